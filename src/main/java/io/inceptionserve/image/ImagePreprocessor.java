package io.inceptionserve.image;

import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.artifact.ModelManifest.ResizePolicy;
import io.inceptionserve.artifact.ModelManifest.Upscale;
import java.awt.Dimension;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import net.coobird.thumbnailator.Thumbnails;
import net.coobird.thumbnailator.resizers.DefaultResizerFactory;
import net.coobird.thumbnailator.resizers.Resizer;
import net.coobird.thumbnailator.resizers.ResizerFactory;
import net.coobird.thumbnailator.resizers.Resizers;

/**
 * Turns an image into the network's input exactly as its manifest says: decode (EXIF orientation
 * honoured), resize, center-crop, scale to [0, 1], normalise, channels-first. The resize is this
 * project's own (Thumbnailator's progressive bilinear reduction, bicubic or bilinear enlarging), or
 * for manifests that ask for it Pillow's, as torchvision's PIL pipeline does it ({@link
 * PilResampler}).
 *
 * <p>Decoding follows torchvision's {@code Image.open(f).convert("RGB")}: an animation's first
 * frame, palette colours looked up, 16-bit samples scaled to 8 bits, CMYK and YCCK converted, alpha
 * dropped with the colour under it kept. Truncated files are refused, as PIL refuses them.
 *
 * <p>Training feeds its images through the same class, so served images and training images
 * are prepared alike. Instances are immutable and thread-safe.
 */
public final class ImagePreprocessor {

    /** Default pixel limit: a 50-megapixel photo decodes to 200 MB of ARGB, a bomb to far more. */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000;

    /** Longest side, in shorter sides, kept before a shorter-side resize: the centre crop drops the rest anyway. */
    private static final int MAX_ASPECT_RATIO = 4;

    private final long maxPixels;
    private final int size;
    private final int channels;
    private final ResizePolicy resizePolicy;
    private final int resizeTo;
    private final ResizerFactory resizers;
    /** Pillow's filter when the manifest asks for torchvision's PIL pipeline; null for this project's own. */
    private final PilResampler.Filter pilFilter;

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
        this.resizers = manifest.preprocessing().upscaling() == Upscale.BILINEAR
                ? BilinearEnlarging.INSTANCE
                : DefaultResizerFactory.getInstance();
        this.pilFilter = manifest.preprocessing().resampling() == null
                ? null
                : switch (manifest.preprocessing().resampling()) {
                    case PIL_BILINEAR -> PilResampler.Filter.BILINEAR;
                    case PIL_BICUBIC -> PilResampler.Filter.BICUBIC;
                };
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
        BufferedImage cropped = pilFilter != null ? resizeAndCropAsPil(rgb) : centerCrop(resize(rgb));
        return normalise(cropped);
    }

    /**
     * Decodes an encoded image as {@link #prepare(byte[])} does, before resizing: 8-bit RGB,
     * upright, as PIL's {@code Image.open(f).convert("RGB")} gives it.
     */
    public static BufferedImage decode(byte[] encoded) {
        return decode(encoded, DEFAULT_MAX_PIXELS);
    }

    /**
     * Decodes the first image of the file (an animation's first frame) into 8-bit sRGB, upright as
     * its EXIF orientation says. Refusals say why.
     */
    static BufferedImage decode(byte[] encoded, long maxPixels) {
        try (ImageInputStream in = new UploadImageInputStream(encoded)) {
            ImageReader reader = readerFor(in);
            try {
                String format = formatOf(reader);
                checkPixels(reader, format, maxPixels);
                BufferedImage image = read(reader, format);
                return upright(toRgb(image), ExifOrientation.of(reader, format));
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("closing an in-memory image stream failed", e);
        }
    }

    /** Sniffs the format from the bytes themselves: the declared content type is not trusted. */
    private static ImageReader readerFor(ImageInputStream in) {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new InvalidImageException(
                    InvalidImageException.Reason.UNSUPPORTED_FORMAT,
                    "the file is not in an image format this service reads (" + String.join(", ", readableFormats())
                            + ")");
        }
        ImageReader reader = readers.next();
        // Metadata is parsed only where the EXIF orientation lives: less work, less untrusted parsing.
        reader.setInput(in, true, !ExifOrientation.isCarriedBy(formatOf(reader)));
        return reader;
    }

    private static String formatOf(ImageReader reader) {
        try {
            return reader.getFormatName().toUpperCase(Locale.ROOT);
        } catch (IOException e) {
            throw new UncheckedIOException("an image reader without a format name", e);
        }
    }

    /** Refuses decompression bombs from the dimensions in the header, before any pixel is decoded. */
    private static void checkPixels(ImageReader reader, String format, long maxPixels) {
        long width;
        long height;
        try {
            width = reader.getWidth(0);
            height = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            throw unreadable("the " + format + " image's header cannot be read", e);
        }
        if (width * height > maxPixels) {
            throw new InvalidImageException(
                    InvalidImageException.Reason.TOO_LARGE,
                    "the " + format
                            + " image is " + width + "×" + height + " = " + width * height
                            + " pixels; at most " + maxPixels + " are decoded");
        }
    }

    private static BufferedImage read(ImageReader reader, String format) {
        DamageWarnings damage = new DamageWarnings();
        reader.addIIOReadWarningListener(damage);
        BufferedImage image;
        try {
            ImageReadParam param = reader.getDefaultReadParam();
            ImageTypeSpecifier ownProfile = embeddedRgbProfile(reader);
            if (ownProfile != null) {
                param.setDestinationType(ownProfile);
            }
            image = reader.read(0, param);
        } catch (IOException | RuntimeException e) {
            throw unreadable("the " + format + " image cannot be decoded", e);
        }
        if (damage.first != null) {
            throw new InvalidImageException(
                    InvalidImageException.Reason.UNREADABLE,
                    "the " + format + " image is truncated or corrupt: " + damage.first);
        }
        return image;
    }

    /**
     * The image type that keeps the samples in the file's own embedded RGB profile, when the
     * reader would otherwise convert them through it to sRGB (the JDK's JPEG reader does); null
     * when there is none. PIL never applies embedded profiles, and neither do models trained
     * through it.
     */
    private static ImageTypeSpecifier embeddedRgbProfile(ImageReader reader) throws IOException {
        Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
        if (!types.hasNext() || !types.next().getColorModel().getColorSpace().isCS_sRGB()) {
            return null;
        }
        while (types.hasNext()) {
            ImageTypeSpecifier type = types.next();
            ColorSpace space = type.getColorModel().getColorSpace();
            if (space.getType() == ColorSpace.TYPE_RGB
                    && !space.isCS_sRGB()
                    && type.getColorModel().getNumComponents() == 3
                    && type.getSampleModel().getSampleSize(0) == 8) {
                return type;
            }
        }
        return null;
    }

    /**
     * Catches the JPEG decoder's warnings that data is missing or damaged: it pads the image with
     * grey and only warns. The wording is libjpeg's ("Premature end of JPEG file", "Corrupt JPEG
     * data: …") and the JDK's ("Truncated File - Missing EOI marker"). Stray bytes between segments,
     * common in camera files, leave the pixels intact and are let through.
     */
    private static final class DamageWarnings implements IIOReadWarningListener {
        String first;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            String lower = warning.toLowerCase(Locale.ROOT);
            boolean damaged = lower.contains("missing eoi")
                    || lower.contains("premature end")
                    || (lower.startsWith("corrupt jpeg data") && !lower.contains("extraneous bytes"));
            if (first == null && damaged) {
                first = warning;
            }
        }
    }

    private static InvalidImageException unreadable(String what, Exception e) {
        if (endsEarly(e)) {
            return new InvalidImageException(
                    InvalidImageException.Reason.UNREADABLE,
                    what + ": the file ends before the image data it announces (truncated or corrupt)",
                    e);
        }
        return new InvalidImageException(InvalidImageException.Reason.UNREADABLE, what + ": " + describe(e), e);
    }

    private static boolean endsEarly(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof EOFException) {
                return true;
            }
        }
        return false;
    }

    private static String[] readableFormats() {
        return Arrays.stream(ImageIO.getReaderFormatNames())
                .map(f -> f.toUpperCase(Locale.ROOT))
                .distinct()
                .sorted()
                .toArray(String[]::new);
    }

    /** The decoder's message, and its cause's: ImageIO often wraps the specific error in a generic one. */
    private static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable cause = e.getCause();
        return cause == null || cause == e ? message : message + " (" + describe(cause) + ")";
    }

    /**
     * Copies the image into 8-bit sRGB as PIL's {@code convert("RGB")}, which torchvision's image
     * loading uses, does: alpha is dropped and the colour under it kept, not composited over a
     * background; an embedded colour profile is ignored (the JDK's JPEG reader would otherwise
     * convert through it, shifting colours by up to a fifth of the range). Grey images are copied sample by sample, scaled from their bit depth: letting
     * Java2D convert them would apply its linear-grey gamma and brighten every pixel.
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
        int[] row = new int[width];
        if (grey) {
            Raster raster = image.getRaster();
            int max = (1 << image.getColorModel().getComponentSize(0)) - 1;
            int[] packed = new int[width];
            for (int y = 0; y < height; y++) {
                raster.getSamples(0, y, width, 1, 0, row);
                for (int x = 0; x < width; x++) {
                    int v = max == 255 ? row[x] : Math.round(row[x] * 255f / max);
                    packed[x] = (v << 16) | (v << 8) | v;
                }
                rgb.setRGB(0, y, width, 1, packed, 0, width);
            }
        } else if (carriesOwnRgbProfile(image)) {
            // PIL ignores embedded colour profiles: the samples are taken as they are, not converted to sRGB.
            Raster raster = image.getRaster();
            int[][] bands = {new int[width], new int[width], new int[width]};
            for (int y = 0; y < height; y++) {
                for (int band = 0; band < 3; band++) {
                    raster.getSamples(0, y, width, 1, band, bands[band]);
                }
                for (int x = 0; x < width; x++) {
                    row[x] = (bands[0][x] << 16) | (bands[1][x] << 8) | bands[2][x];
                }
                rgb.setRGB(0, y, width, 1, row, 0, width);
            }
        } else if (image.getColorModel().hasAlpha()) {
            // getRGB gives each pixel's colour unpremultiplied; the RGB image keeps it and ignores alpha.
            for (int y = 0; y < height; y++) {
                image.getRGB(0, y, width, 1, row, 0, width);
                rgb.setRGB(0, y, width, 1, row, 0, width);
            }
        } else {
            Graphics2D g = rgb.createGraphics();
            g.drawImage(image, 0, 0, null);
            g.dispose();
        }
        return rgb;
    }

    /** 8-bit RGB in a colour space of the file's own (an embedded ICC profile), not sRGB. */
    private static boolean carriesOwnRgbProfile(BufferedImage image) {
        ColorSpace space = image.getColorModel().getColorSpace();
        return space.getType() == ColorSpace.TYPE_RGB
                && !space.isCS_sRGB()
                && image.getColorModel().getNumColorComponents() == 3
                && image.getSampleModel().getSampleSize(0) == 8
                && image.getSampleModel().getSampleSize(1) == 8
                && image.getSampleModel().getSampleSize(2) == 8;
    }

    /**
     * Turns an RGB image upright by moving whole pixels, as EXIF orientation 1–8 asks: 2 mirrors,
     * 3 turns 180°, 4 flips, 5 transposes, 6 turns 90° clockwise, 7 transverses, 8 turns 90°
     * anticlockwise.
     */
    private static BufferedImage upright(BufferedImage rgb, int orientation) {
        if (orientation == 1) {
            return rgb;
        }
        int width = rgb.getWidth();
        int height = rgb.getHeight();
        boolean swapsSides = orientation >= 5;
        int outWidth = swapsSides ? height : width;
        int outHeight = swapsSides ? width : height;
        int[] stored = rgb.getRGB(0, 0, width, height, null, 0, width);
        int[] turned = new int[stored.length];
        for (int y = 0; y < outHeight; y++) {
            for (int x = 0; x < outWidth; x++) {
                int from = switch (orientation) {
                    case 2 -> y * width + (width - 1 - x);
                    case 3 -> (height - 1 - y) * width + (width - 1 - x);
                    case 4 -> (height - 1 - y) * width + x;
                    case 5 -> x * width + y;
                    case 6 -> (height - 1 - x) * width + y;
                    case 7 -> (height - 1 - x) * width + (width - 1 - y);
                    default -> x * width + (width - 1 - y); // 8
                };
                turned[y * outWidth + x] = stored[from];
            }
        }
        BufferedImage upright = new BufferedImage(outWidth, outHeight, BufferedImage.TYPE_INT_RGB);
        upright.setRGB(0, 0, outWidth, outHeight, turned, 0, outWidth);
        return upright;
    }

    private BufferedImage resize(BufferedImage original) {
        BufferedImage image = resizePolicy == ResizePolicy.SHORTER_SIDE ? limitAspect(original) : original;
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
            return Thumbnails.of(image)
                    .forceSize(targetWidth, targetHeight)
                    .resizerFactory(resizers)
                    .asBufferedImage();
        } catch (IOException e) {
            throw new UncheckedIOException("resizing an in-memory image failed", e);
        }
    }

    /**
     * torchvision's {@code Resize} then {@code CenterCrop} on a PIL image: its output size (the
     * longer side {@code int(size * long / short)}, truncated), its crop offset ({@code
     * round((side - crop) / 2)}, half to even as Python rounds) and Pillow's resampling, computing
     * only the pixels the crop keeps. No aspect limit is needed: the work is the crop's, whatever
     * the image's shape.
     */
    private BufferedImage resizeAndCropAsPil(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        int targetWidth = resizeTo;
        int targetHeight = resizeTo;
        if (resizePolicy == ResizePolicy.SHORTER_SIDE) {
            int shorter = Math.min(width, height);
            targetWidth = width <= height ? resizeTo : (int) ((double) resizeTo * width / shorter);
            targetHeight = width <= height ? (int) ((double) resizeTo * height / shorter) : resizeTo;
        }
        int left = (int) Math.rint((targetWidth - size) / 2.0);
        int top = (int) Math.rint((targetHeight - size) / 2.0);
        int[] pixels = image.getRGB(0, 0, width, height, null, 0, width);
        int[] cropped =
                PilResampler.resize(pixels, width, height, targetWidth, targetHeight, pilFilter, left, top, size, size);
        BufferedImage result = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        result.setRGB(0, 0, size, size, cropped, 0, size);
        return result;
    }

    /** Thumbnailator's choice of resizer, with bilinear where it would enlarge bicubically. */
    private enum BilinearEnlarging implements ResizerFactory {
        INSTANCE;

        @Override
        public Resizer getResizer() {
            return DefaultResizerFactory.getInstance().getResizer();
        }

        @Override
        public Resizer getResizer(Dimension original, Dimension thumbnail) {
            Resizer chosen = DefaultResizerFactory.getInstance().getResizer(original, thumbnail);
            return chosen == Resizers.BICUBIC ? Resizers.BILINEAR : chosen;
        }
    }

    /**
     * Cuts an image longer than {@link #MAX_ASPECT_RATIO}:1 to its centre at that ratio. Only the
     * centre survives the crop after a shorter-side resize, and the resize of a 2×20,000 strip would
     * otherwise ask for a 256×2,560,000 image.
     */
    private static BufferedImage limitAspect(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        int longest = (int) Math.min(Integer.MAX_VALUE, (long) MAX_ASPECT_RATIO * Math.min(width, height));
        if (width > longest) {
            return image.getSubimage((width - longest) / 2, 0, longest, height);
        }
        if (height > longest) {
            return image.getSubimage(0, (height - longest) / 2, width, longest);
        }
        return image;
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
