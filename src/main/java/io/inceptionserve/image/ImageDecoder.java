package io.inceptionserve.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads the first image of an encoded file (an animation's first frame) through ImageIO and its
 * TwelveMonkeys plug-ins, which give CMYK and YCCK JPEGs as RGB: the format sniffed from the bytes,
 * the header's pixel count checked against a limit before any pixel is decoded, truncated or
 * damaged files refused as PIL refuses them. Every refusal is an {@link InvalidImageException}
 * that says why.
 */
final class ImageDecoder {

    /** The decoded pixels, as the reader gives them, and the EXIF orientation that turns them upright. */
    record Decoded(BufferedImage image, int orientation) {}

    static {
        // ImageIO would otherwise buffer streams it makes in a temporary file, one per request.
        ImageIO.setUseCache(false);
    }

    private ImageDecoder() {}

    /** Refuses, before decoding, an image whose header declares more than {@code maxPixels}. */
    static Decoded decode(byte[] encoded, long maxPixels) {
        try (ImageInputStream in = new UploadImageInputStream(encoded)) {
            ImageReader reader = readerFor(in);
            try {
                String format = formatOf(reader);
                checkPixels(reader, format, maxPixels);
                BufferedImage image = read(reader, format);
                return new Decoded(image, ExifOrientation.of(reader, format));
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("closing an in-memory image stream failed", e);
        }
    }

    /** Sniffs the format from the bytes themselves: the declared content type is not trusted. */
    private static ImageReader readerFor(ImageInputStream in) {
        ImageReader reader = ImageFormats.readerFor(in)
                .orElseThrow(() -> new InvalidImageException(
                        InvalidImageException.Reason.UNSUPPORTED_FORMAT,
                        "the file is not in an image format this service reads (" + String.join(", ", ImageFormats.READ)
                                + ")"));
        // Metadata is parsed only where the EXIF orientation lives: less work, less untrusted parsing.
        reader.setInput(in, true, !ExifOrientation.isCarriedBy(formatOf(reader)));
        return reader;
    }

    static String formatOf(ImageReader reader) {
        try {
            return reader.getFormatName().toUpperCase(Locale.ROOT);
        } catch (IOException e) {
            throw new UncheckedIOException("an image reader without a format name", e);
        }
    }

    /** Refuses decompression bombs from the dimensions in the header, before any pixel is decoded. */
    private static void checkPixels(ImageReader reader, String format, long maxPixels) {
        ImageSize size;
        try {
            size = ImageSize.of(reader);
        } catch (IOException | RuntimeException e) {
            throw unreadable("the " + format + " image's header cannot be read", e);
        }
        if (size.pixels() > maxPixels) {
            throw size.tooLarge(maxPixels);
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

    /** The decoder's message, and its cause's: ImageIO often wraps the specific error in a generic one. */
    private static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable cause = e.getCause();
        return cause == null || cause == e ? message : message + " (" + describe(cause) + ")";
    }
}
