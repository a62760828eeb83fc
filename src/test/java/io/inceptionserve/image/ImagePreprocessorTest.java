package io.inceptionserve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.artifact.ModelManifest.ResizePolicy;
import io.inceptionserve.artifact.ModelManifest.Upscale;
import io.inceptionserve.image.InvalidImageException.Reason;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ImagePreprocessorTest {

    static ImagePreprocessor preprocessor(int size, int channels, ResizePolicy policy, int resizeTo) {
        return preprocessor(size, channels, policy, resizeTo, null);
    }

    static ImagePreprocessor preprocessor(int size, int channels, ResizePolicy policy, int resizeTo, Upscale upscale) {
        float[] mean = channels == 1 ? new float[] {0.5f} : new float[] {0.5f, 0.5f, 0.5f};
        float[] std = channels == 1 ? new float[] {0.25f} : new float[] {0.25f, 0.25f, 0.25f};
        return new ImagePreprocessor(new ModelManifest(
                "m",
                "googlenet",
                null,
                "labels.txt",
                new ModelManifest.Input(size, channels),
                new ModelManifest.Preprocessing(policy, resizeTo, mean, std, upscale),
                null));
    }

    /** Red then blue halves along the longer side, a green band {@code band} pixels wide across the middle. */
    static BufferedImage redGreenBlue(int width, int height, int band) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        boolean wide = width >= height;
        int length = wide ? width : height;
        Graphics2D g = image.createGraphics();
        int[][] spans = {{0, length / 2}, {length / 2, length - length / 2}, {(length - band) / 2, band}};
        Color[] colours = {Color.RED, Color.BLUE, Color.GREEN};
        for (int i = 0; i < spans.length; i++) {
            g.setColor(colours[i]);
            if (wide) {
                g.fillRect(spans[i][0], 0, spans[i][1], height);
            } else {
                g.fillRect(0, spans[i][0], width, spans[i][1]);
            }
        }
        g.dispose();
        return image;
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
            assertThat(tensor[i])
                    .as("pixel %d", i)
                    .isCloseTo((raw / 255f - 0.5f) / 0.25f, org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void shorterSideResizeThenCenterCrop() throws Exception {
        // 200×100: left half red, right half blue, with a green stripe in the middle.
        BufferedImage wide = redGreenBlue(200, 100, 20);

        float[] tensor = preprocessor(40, 3, ResizePolicy.SHORTER_SIDE, 50).prepare(wide);

        // Resized to 100×50, cropped to the middle 40×40: x 30..70 of the resized image.
        int plane = 40 * 40;
        int centre = 20 * 40 + 20;
        assertThat(tensor[plane + centre])
                .as("green at the centre")
                .isCloseTo(2f, org.assertj.core.data.Offset.offset(0.05f));
        int left = 20 * 40 + 2;
        assertThat(tensor[left]).as("red on the left").isCloseTo(2f, org.assertj.core.data.Offset.offset(0.05f));
        int right = 20 * 40 + 37;
        assertThat(tensor[2 * plane + right])
                .as("blue on the right")
                .isCloseTo(2f, org.assertj.core.data.Offset.offset(0.05f));
    }

    /** A grey step from 64 to 192 enlarged 4×: row 16's grey values, raw 0..255, from a 1-channel model. */
    private static float[] enlargedStep(Upscale upscale) {
        BufferedImage step = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                int v = x < 4 ? 64 : 192;
                step.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        float[] tensor = preprocessor(32, 1, ResizePolicy.STRETCH, 32, upscale).prepare(step);
        float[] row = new float[32];
        for (int x = 0; x < 32; x++) {
            row[x] = (tensor[16 * 32 + x] * 0.25f + 0.5f) * 255f;
        }
        return row;
    }

    @Test
    void bilinearUpscaleStaysWithinTheEdgesValues() {
        float[] row = enlargedStep(Upscale.BILINEAR);

        for (int x = 1; x < 32; x++) {
            assertThat(row[x]).as("x %d", x).isGreaterThanOrEqualTo(row[x - 1] - 0.01f);
        }
        assertThat(row[0]).isCloseTo(64f, Offset.offset(0.5f));
        assertThat(row[31]).isCloseTo(192f, Offset.offset(0.5f));
    }

    @Test
    void bicubicUpscaleIsTheDefaultAndOvershootsAtAnEdge() {
        float[] byDefault = enlargedStep(null);

        assertThat(enlargedStep(Upscale.BICUBIC)).containsExactly(byDefault);
        float lowest = Float.MAX_VALUE;
        float highest = -Float.MAX_VALUE;
        for (float v : byDefault) {
            lowest = Math.min(lowest, v);
            highest = Math.max(highest, v);
        }
        assertThat(lowest).as("undershoot before the edge").isLessThan(63f);
        assertThat(highest).as("overshoot after the edge").isGreaterThan(193f);
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

    /**
     * The fixtures of {@code src/test/resources/images/make-fixtures.sh}, each with the colours its
     * quadrants (top left, top right, bottom left, bottom right) must have once prepared.
     */
    static Stream<Arguments> decodableFixtures() {
        int[] quadrants = {0xff0000, 0x00ff00, 0x0000ff, 0xffffff};
        int[] greys = {0x000000, 0x404040, 0xbfbfbf, 0xffffff};
        Stream<Arguments> upright = Stream.of(
                        "quadrants.png",
                        "quadrants-baseline.jpg",
                        "quadrants-progressive.jpg",
                        "quadrants-cmyk.jpg",
                        "quadrants-ycck.jpg",
                        "quadrants-palette.png",
                        "quadrants.bmp",
                        "quadrants.tif",
                        "quadrants-lossy.webp",
                        "quadrants-lossless.webp",
                        // The first frame; the second is the negative.
                        "quadrants-animated.gif",
                        // The transparent palette entry is blue, and its colour is kept.
                        "quadrants-palette-trns.png",
                        // Alpha dropped, not composited: half-transparent lime and fully transparent blue keep their
                        // colour.
                        "alpha.png",
                        "alpha.webp")
                .map(name -> Arguments.of(name, quadrants));
        Stream<Arguments> turned = Stream.of(2, 3, 4, 5, 6, 7, 8)
                .map(orientation -> Arguments.of("quadrants-exif-" + orientation + ".jpg", quadrants));
        Stream<Arguments> depths = Stream.of(
                Arguments.of("grey.png", greys),
                Arguments.of("grey.jpg", greys),
                // 0x4000 and 0xBFFF: scaled, not cut to their high or low byte.
                Arguments.of("grey-16bit.png", greys),
                Arguments.of("rgb-16bit.png", new int[] {0xff0000, 0x00ff00, 0x0000ff, 0x4080bf}));
        return Stream.of(upright, turned, depths).flatMap(s -> s);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decodableFixtures")
    void fixturePreparesToItsColours(String name, int[] expected) throws Exception {
        // 64×48 stretched to 64×64, unnormalised: each quadrant's centre is at (16|48, 16|48).
        ImagePreprocessor identity = new ImagePreprocessor(new ModelManifest(
                "m",
                "googlenet",
                null,
                "labels.txt",
                new ModelManifest.Input(64, 3),
                new ModelManifest.Preprocessing(ResizePolicy.STRETCH, 64, new float[] {0, 0, 0}, new float[] {1, 1, 1}),
                null));

        float[] tensor = identity.prepare(image(name));

        int plane = 64 * 64;
        int[][] centres = {{16, 16}, {48, 16}, {16, 48}, {48, 48}};
        for (int q = 0; q < 4; q++) {
            int pixel = centres[q][1] * 64 + centres[q][0];
            for (int channel = 0; channel < 3; channel++) {
                float want = ((expected[q] >> (16 - 8 * channel)) & 0xff) / 255f;
                assertThat(tensor[channel * plane + pixel])
                        .as("%s quadrant %d channel %d", name, q, channel)
                        .isCloseTo(want, Offset.offset(6 / 255f));
            }
        }
    }

    static Stream<Arguments> refusedFixtures() {
        String damaged = "the JPEG image is truncated or corrupt: ";
        String endsEarly = " image cannot be decoded: the file ends before";
        String notAnImage = "not in an image format this service reads";
        return Stream.of(
                Arguments.of("truncated.jpg", Reason.UNREADABLE, damaged + "Truncated File - Missing EOI marker"),
                Arguments.of("corrupt.jpg", Reason.UNREADABLE, damaged + "Corrupt JPEG data: bad Huffman code"),
                Arguments.of("truncated.png", Reason.UNREADABLE, "the PNG" + endsEarly),
                Arguments.of("corrupt.png", Reason.UNREADABLE, "the PNG" + endsEarly),
                Arguments.of("overdeclared.webp", Reason.UNREADABLE, "the WEBP" + endsEarly),
                Arguments.of("empty.jpg", Reason.UNSUPPORTED_FORMAT, notAnImage),
                Arguments.of("text.jpg", Reason.UNSUPPORTED_FORMAT, notAnImage),
                Arguments.of("drawing.svg", Reason.UNSUPPORTED_FORMAT, notAnImage),
                Arguments.of("document.pdf", Reason.UNSUPPORTED_FORMAT, notAnImage),
                Arguments.of(
                        "bomb.png", Reason.TOO_LARGE, "8000×8000 = 64000000 pixels; at most 50000000 are decoded"));
    }

    /** Quickly: left to read past its end, the WebP decoder took minutes over overdeclared.webp. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedFixtures")
    @Timeout(10)
    void fixtureIsRefusedWithItsReason(String name, Reason reason, String message) throws Exception {
        byte[] bytes = image(name);

        assertThatThrownBy(() -> preprocessor(28, 1, ResizePolicy.STRETCH, 28).prepare(bytes))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining(message)
                .extracting(e -> ((InvalidImageException) e).reason())
                .isEqualTo(reason);
    }

    /** The JDK reads WBMP, and its reader takes almost any bytes: not a format the docs list. */
    @Test
    void aFormatOutsideTheDocumentedListIsRefusedThoughAReaderExists() throws Exception {
        BufferedImage drawing = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_BINARY);
        java.io.ByteArrayOutputStream wbmp = new java.io.ByteArrayOutputStream();
        assertThat(javax.imageio.ImageIO.write(drawing, "wbmp", wbmp)).isTrue();

        assertThatThrownBy(() -> preprocessor(28, 1, ResizePolicy.STRETCH, 28).prepare(wbmp.toByteArray()))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("not in an image format this service reads (JPEG, PNG, GIF, WebP, BMP, TIFF)")
                .extracting(e -> ((InvalidImageException) e).reason())
                .isEqualTo(Reason.UNSUPPORTED_FORMAT);
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

    @Test
    void extremeStripKeepsItsCentreUnderShorterSideResize() {
        // 2×2,000,000: red, a green band in the middle, blue. Resized whole it would be 256×256,000,000.
        BufferedImage strip = redGreenBlue(2, 2_000_000, 20);

        float[] tensor = preprocessor(224, 3, ResizePolicy.SHORTER_SIDE, 256).prepare(strip);

        int plane = 224 * 224;
        int centre = 112 * 224 + 112;
        assertThat(tensor[plane + centre]).as("green at the centre").isCloseTo(2f, Offset.offset(0.05f));
    }
}
