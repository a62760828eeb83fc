package io.inceptionserve.inference;

import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.artifact.ModelManifest.ResizePolicy;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import net.coobird.thumbnailator.Thumbnails;

/**
 * Turns an image into the network's input exactly as its manifest says: decode (EXIF orientation
 * honoured), resize, center-crop, scale to [0, 1], normalise, channels-first.
 *
 * <p>Training feeds its images through the same class, so served images and training images
 * are prepared alike. Instances are immutable and thread-safe.
 */
public final class ImagePreprocessor {

    /** Default pixel limit: a 50-megapixel photo decodes to 200 MB of ARGB, a bomb to far more. */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000;

    private final long maxPixels;
    private final int size;
    private final int channels;
    private final ResizePolicy resizePolicy;
    private final int resizeTo;
    private final float[] mean;
    private final float[] std;

    public ImagePreprocessor(ModelManifest manifest) {
        this(manifest, DEFAULT_MAX_PIXELS);
    }

    /** A preprocessor that refuses, before decoding, images whose header declares more than {@code maxPixels}. */
    public ImagePreprocessor(ModelManifest manifest, long maxPixels) {
        this.maxPixels = maxPixels;
        this.size = manifest.input().size();
        this.channels = manifest.input().channels();
        this.resizePolicy = manifest.preprocessing().resize();
        this.resizeTo = manifest.preprocessing().resizeTo();
        this.mean = manifest.preprocessing().mean().clone();
        this.std = manifest.preprocessing().std().clone();
    }

    /** Floats per image in the output: channels × size × size. */
    public int tensorLength() {
        return channels * size * size;
    }

    /** Decodes an encoded image and prepares it; refusals say why. */
    public float[] prepare(byte[] encoded) {
        return prepare(decode(encoded, maxPixels));
    }

    /** Prepares an already decoded image. */
    public float[] prepare(BufferedImage image) {
        BufferedImage rgb = toRgb(image);
        BufferedImage cropped = centerCrop(resize(rgb));
        return normalise(cropped);
    }

    static BufferedImage decode(byte[] encoded, long maxPixels) {
        String format = checkHeader(encoded, maxPixels);
        try {
            // Thumbnailator applies the EXIF orientation, so a phone photo is seen upright.
            return Thumbnails.of(new ByteArrayInputStream(encoded)).scale(1.0).asBufferedImage();
        } catch (IOException | RuntimeException e) {
            throw new InvalidImageException(InvalidImageException.Reason.UNREADABLE,
                    "the " + format + " image cannot be decoded: " + describe(e), e);
        }
    }

    /**
     * Sniffs the format from the bytes themselves (the declared content type is not trusted) and
     * reads the dimensions from the header, refusing decompression bombs before any pixel is
     * decoded. Returns the format name.
     */
    private static String checkHeader(byte[] encoded, long maxPixels) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new InvalidImageException(InvalidImageException.Reason.UNSUPPORTED_FORMAT,
                        "the file is not in an image format this service reads ("
                                + String.join(", ", readableFormats()) + ")");
            }
            ImageReader reader = readers.next();
            String format = reader.getFormatName().toUpperCase(Locale.ROOT);
            long width;
            long height;
            try {
                reader.setInput(in, true, true);
                width = reader.getWidth(0);
                height = reader.getHeight(0);
            } catch (IOException | RuntimeException e) {
                throw new InvalidImageException(InvalidImageException.Reason.UNREADABLE,
                        "the " + format + " image's header cannot be read: " + describe(e), e);
            } finally {
                reader.dispose();
            }
            if (width * height > maxPixels) {
                throw new InvalidImageException(InvalidImageException.Reason.TOO_LARGE, "the " + format
                        + " image is " + width + "×" + height + " = " + width * height
                        + " pixels; at most " + maxPixels + " are decoded");
            }
            return format;
        } catch (IOException e) {
            throw new InvalidImageException(InvalidImageException.Reason.UNREADABLE,
                    "the image cannot be read: " + describe(e), e);
        }
    }

    private static String[] readableFormats() {
        return Arrays.stream(ImageIO.getReaderFormatNames())
                .map(f -> f.toUpperCase(Locale.ROOT))
                .distinct()
                .sorted()
                .toArray(String[]::new);
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Copies the image into 8-bit sRGB. Grey images are copied sample by sample: letting Java2D
     * convert them would apply its linear-grey gamma and brighten every pixel.
     */
    private static BufferedImage toRgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) {
            return image;
        }
        int width = image.getWidth();
        int height = image.getHeight();
        BufferedImage rgb = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        boolean grey = image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && image.getColorModel().getNumColorComponents() == 1;
        if (grey) {
            Raster raster = image.getRaster();
            int max = (1 << image.getColorModel().getComponentSize(0)) - 1;
            int[] row = new int[width];
            int[] packed = new int[width];
            for (int y = 0; y < height; y++) {
                raster.getSamples(0, y, width, 1, 0, row);
                for (int x = 0; x < width; x++) {
                    int v = max == 255 ? row[x] : Math.round(row[x] * 255f / max);
                    packed[x] = (v << 16) | (v << 8) | v;
                }
                rgb.setRGB(0, y, width, 1, packed, 0, width);
            }
        } else {
            Graphics2D g = rgb.createGraphics();
            g.drawImage(image, 0, 0, null);
            g.dispose();
        }
        return rgb;
    }

    private BufferedImage resize(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        int targetWidth = resizeTo;
        int targetHeight = resizeTo;
        if (resizePolicy == ResizePolicy.SHORTER_SIDE) {
            double scale = (double) resizeTo / Math.min(width, height);
            targetWidth = Math.max(resizeTo, (int) Math.round(width * scale));
            targetHeight = Math.max(resizeTo, (int) Math.round(height * scale));
        }
        if (targetWidth == width && targetHeight == height) {
            return image;
        }
        try {
            return Thumbnails.of(image).forceSize(targetWidth, targetHeight).asBufferedImage();
        } catch (IOException e) {
            throw new UncheckedIOException("resizing an in-memory image failed", e);
        }
    }

    private BufferedImage centerCrop(BufferedImage image) {
        int x = (image.getWidth() - size) / 2;
        int y = (image.getHeight() - size) / 2;
        return image.getSubimage(x, y, size, size);
    }

    private float[] normalise(BufferedImage image) {
        int[] argb = image.getRGB(0, 0, size, size, null, 0, size);
        int plane = size * size;
        float[] out = new float[channels * plane];
        for (int i = 0; i < plane; i++) {
            int p = argb[i];
            float r = ((p >> 16) & 0xff) / 255f;
            float g = ((p >> 8) & 0xff) / 255f;
            float b = (p & 0xff) / 255f;
            if (channels == 1) {
                // ITU-R 601 luma, as PIL's convert("L"); exact for grey pixels (r == g == b).
                float luma = 0.299f * r + 0.587f * g + 0.114f * b;
                out[i] = (luma - mean[0]) / std[0];
            } else {
                out[i] = (r - mean[0]) / std[0];
                out[plane + i] = (g - mean[1]) / std[1];
                out[2 * plane + i] = (b - mean[2]) / std[2];
            }
        }
        return out;
    }
}
