package io.inceptionserve.image;

import io.inceptionserve.artifact.ModelManifest;
import java.awt.image.BufferedImage;

/**
 * Turns an image into the network's input exactly as its manifest says: {@link ImageDecoder
 * decoded}, {@link RgbConversion converted to RGB} as PIL's {@code convert("RGB")} does, turned
 * upright as its {@link ExifOrientation EXIF orientation} says, {@link ResizeAndCrop resized and
 * centre-cropped}, {@link TensorNormaliser normalised} into a channels-first tensor.
 *
 * <p>Training feeds its images through the same class, so served images and training images are
 * prepared alike. Instances are immutable and thread-safe.
 */
public final class ImagePreprocessor {

    /** Default pixel limit: a 50-megapixel photo decodes to 200 MB of ARGB, a bomb to far more. */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000;

    private final long maxPixels;
    private final ResizeAndCrop resizeAndCrop;
    private final TensorNormaliser normaliser;

    public ImagePreprocessor(ModelManifest manifest) {
        this(manifest, DEFAULT_MAX_PIXELS);
    }

    /** A preprocessor that refuses, before decoding, images whose header declares more than {@code maxPixels}. */
    public ImagePreprocessor(ModelManifest manifest, long maxPixels) {
        this.maxPixels = maxPixels;
        this.resizeAndCrop = new ResizeAndCrop(manifest);
        this.normaliser = new TensorNormaliser(manifest);
    }

    /** Floats per image in the output: channels × size × size. */
    public int tensorLength() {
        return normaliser.length();
    }

    /** Decodes an encoded image and prepares it; refusals say why. */
    public float[] prepare(byte[] encoded) {
        return prepare(decode(encoded, maxPixels));
    }

    /** Prepares an already decoded image. */
    public float[] prepare(BufferedImage image) {
        return normaliser.apply(resizeAndCrop.apply(RgbConversion.toRgb(image)));
    }

    /**
     * Decodes an encoded image as {@link #prepare(byte[])} does, before resizing: 8-bit RGB,
     * upright, as PIL's {@code Image.open(f).convert("RGB")} gives it.
     */
    public static BufferedImage decode(byte[] encoded) {
        return decode(encoded, DEFAULT_MAX_PIXELS);
    }

    private static BufferedImage decode(byte[] encoded, long maxPixels) {
        ImageDecoder.Decoded decoded = ImageDecoder.decode(encoded, maxPixels);
        return ExifOrientation.upright(RgbConversion.toRgb(decoded.image()), decoded.orientation());
    }
}
