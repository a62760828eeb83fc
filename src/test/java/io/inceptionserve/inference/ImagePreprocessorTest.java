package io.inceptionserve.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.artifact.ModelManifest.ResizePolicy;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImagePreprocessorTest {

    static ImagePreprocessor preprocessor(int size, int channels, ResizePolicy policy, int resizeTo) {
        float[] mean = channels == 1 ? new float[] {0.5f} : new float[] {0.5f, 0.5f, 0.5f};
        float[] std = channels == 1 ? new float[] {0.25f} : new float[] {0.25f, 0.25f, 0.25f};
        return new ImagePreprocessor(new ModelManifest("m", "googlenet", null, "labels.txt",
                new ModelManifest.Input(size, channels), new ModelManifest.Preprocessing(policy, resizeTo, mean, std),
                null));
    }

    static byte[] image(String name) throws Exception {
        return Files.readAllBytes(Path.of("src/test/resources/images", name));
    }

    @Test
    void greyPngKeepsItsRawPixelValues() throws Exception {
        byte[] png = image("ankle-boot.png");
        BufferedImage decoded = ImageIO.read(new java.io.ByteArrayInputStream(png));

        float[] tensor = preprocessor(28, 1, ResizePolicy.STRETCH, 28).prepare(png);

        assertThat(tensor).hasSize(28 * 28);
        for (int i : new int[] {0, 300, 400, 783}) {
            int raw = decoded.getRaster().getSample(i % 28, i / 28, 0);
            assertThat(tensor[i]).as("pixel %d", i).isCloseTo((raw / 255f - 0.5f) / 0.25f,
                    org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void shorterSideResizeThenCenterCrop() throws Exception {
        // 200×100: left half red, right half blue, with a green stripe in the middle.
        BufferedImage wide = new BufferedImage(200, 100, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = wide.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, 100, 100);
        g.setColor(Color.BLUE);
        g.fillRect(100, 0, 100, 100);
        g.setColor(Color.GREEN);
        g.fillRect(90, 0, 20, 100);
        g.dispose();

        float[] tensor = preprocessor(40, 3, ResizePolicy.SHORTER_SIDE, 50).prepare(wide);

        // Resized to 100×50, cropped to the middle 40×40: x 30..70 of the resized image.
        int plane = 40 * 40;
        int centre = 20 * 40 + 20;
        assertThat(tensor[plane + centre]).as("green at the centre").isCloseTo(2f, org.assertj.core.data.Offset.offset(0.05f));
        int left = 20 * 40 + 2;
        assertThat(tensor[left]).as("red on the left").isCloseTo(2f, org.assertj.core.data.Offset.offset(0.05f));
        int right = 20 * 40 + 37;
        assertThat(tensor[2 * plane + right]).as("blue on the right").isCloseTo(2f, org.assertj.core.data.Offset.offset(0.05f));
    }

    @Test
    void colourJpegBecomesGreyForAOneChannelModel() throws Exception {
        float[] tensor = preprocessor(64, 1, ResizePolicy.STRETCH, 64).prepare(image("pullover.jpg"));

        assertThat(tensor).hasSize(64 * 64);
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : tensor) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        // A light garment on a black background: black maps to (0 - 0.5) / 0.25 = -2.
        assertThat(min).isLessThan(-1.9f);
        assertThat(max).isGreaterThan(0f);
    }

    @Test
    void greyImageFeedsAllThreeChannelsAlike() throws Exception {
        float[] tensor = preprocessor(28, 3, ResizePolicy.STRETCH, 28).prepare(image("trouser.png"));

        int plane = 28 * 28;
        for (int i = 0; i < plane; i += 37) {
            assertThat(tensor[plane + i]).isEqualTo(tensor[i]);
            assertThat(tensor[2 * plane + i]).isEqualTo(tensor[i]);
        }
    }

    @Test
    void textIsAnUnsupportedFormat() {
        assertThatThrownBy(() -> preprocessor(28, 1, ResizePolicy.STRETCH, 28).prepare("hello".getBytes()))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("not in an image format")
                .extracting(e -> ((InvalidImageException) e).reason())
                .isEqualTo(InvalidImageException.Reason.UNSUPPORTED_FORMAT);
    }

    @Test
    void truncatedPngIsUnreadable() throws Exception {
        BufferedImage photo = new BufferedImage(300, 300, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(photo, "png", out);
        byte[] truncated = java.util.Arrays.copyOf(out.toByteArray(), 60);

        assertThatThrownBy(() -> preprocessor(28, 1, ResizePolicy.STRETCH, 28).prepare(truncated))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("PNG image cannot be decoded")
                .extracting(e -> ((InvalidImageException) e).reason())
                .isEqualTo(InvalidImageException.Reason.UNREADABLE);
    }
}
