package io.inceptionserve.image;

import java.io.IOException;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The size of an image as its header declares it (or as a pixel tensor's shape gives it), known
 * before a pixel is decoded.
 *
 * @param kind what the image is, for messages: "PNG image", "pixel tensor"
 */
public record ImageSize(String kind, long width, long height) {

    public long pixels() {
        return width * height;
    }

    /** The refusal of an image over {@code maxPixels}, with the limit in its message. */
    public InvalidImageException tooLarge(long maxPixels) {
        return new InvalidImageException(
                InvalidImageException.Reason.TOO_LARGE,
                "the " + kind + " is " + width + "×" + height + " = " + pixels() + " pixels; at most " + maxPixels
                        + " are decoded");
    }

    /**
     * The size an encoded image's header declares, read without decoding; null when there is no
     * reader for it or its header cannot be read (decoding then refuses it with the reason).
     */
    public static ImageSize declaredBy(byte[] encoded) {
        try (ImageInputStream in = new UploadImageInputStream(encoded)) {
            ImageReader reader = ImageFormats.readerFor(in).orElse(null);
            if (reader == null) {
                return null;
            }
            try {
                reader.setInput(in, true, true);
                return of(reader);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static ImageSize of(ImageReader reader) throws IOException {
        return new ImageSize(ImageDecoder.formatOf(reader) + " image", reader.getWidth(0), reader.getHeight(0));
    }
}
