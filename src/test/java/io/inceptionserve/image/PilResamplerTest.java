package io.inceptionserve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * A window of a resize is the same pixels as the whole resize cropped (the parity of the whole
 * resize with Pillow is PilResizeParityTest's).
 */
class PilResamplerTest {

    @Test
    void aWindowIsTheWholeResizeCropped() throws Exception {
        BufferedImage photo = ImageIO.read(
                Path.of("src/test/resources/photos/chelsea-330x270.png").toFile());
        int width = photo.getWidth();
        int height = photo.getHeight();
        int[] pixels = photo.getRGB(0, 0, width, height, null, 0, width);
        Random random = new Random(7);
        int[][] sizes = {{256, 209}, {width, 100}, {120, height}, {500, 420}, {width, height}};
        for (PilResampler.Filter filter : PilResampler.Filter.values()) {
            for (int[] size : sizes) {
                int[] whole = PilResampler.resize(pixels, width, height, size[0], size[1], filter);
                for (int trial = 0; trial < 4; trial++) {
                    int windowWidth = 1 + random.nextInt(size[0]);
                    int windowHeight = 1 + random.nextInt(size[1]);
                    int left = random.nextInt(size[0] - windowWidth + 1);
                    int top = random.nextInt(size[1] - windowHeight + 1);

                    int[] window = PilResampler.resize(
                            pixels, width, height, size[0], size[1], filter, left, top, windowWidth, windowHeight);

                    for (int y = 0; y < windowHeight; y++) {
                        int from = (top + y) * size[0] + left;
                        assertThat(Arrays.copyOfRange(window, y * windowWidth, (y + 1) * windowWidth))
                                .as("%s %s row %d", filter, Arrays.toString(size), y)
                                .containsExactly(Arrays.copyOfRange(whole, from, from + windowWidth));
                    }
                }
            }
        }
    }

    @Test
    void anUnchangedSizeIsACopy() {
        int[] pixels = new Random(1).ints(12 * 5, 0, 1 << 24).toArray();

        assertThat(PilResampler.resize(pixels, 12, 5, 12, 5, PilResampler.Filter.BICUBIC))
                .containsExactly(pixels);
    }

    @Test
    void aWindowOutsideTheImageIsRefused() {
        assertThatThrownBy(() -> PilResampler.resize(new int[4], 2, 2, 3, 3, PilResampler.Filter.BILINEAR, 1, 1, 3, 3))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
