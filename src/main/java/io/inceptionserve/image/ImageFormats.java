package io.inceptionserve.image;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;

/**
 * The formats the service reads, as docs/image-inputs.md lists them. ImageIO offers every reader
 * on the classpath (the JDK's WBMP reader, which takes almost any bytes, or a plugin a dependency
 * brings); a reader for any other format is never given the bytes, so its parser is not exposed.
 */
final class ImageFormats {

    /** What the refusal names, in the docs' words. */
    static final List<String> READ = List.of("JPEG", "PNG", "GIF", "WebP", "BMP", "TIFF");

    /** Names the readers of those formats give themselves. */
    private static final Set<String> READER_NAMES = Set.of("jpeg", "jpg", "png", "gif", "webp", "bmp", "tiff", "tif");

    private ImageFormats() {}

    /** The first reader, sniffed from the bytes, of a format the service reads. */
    static Optional<ImageReader> readerFor(ImageInputStream in) {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        while (readers.hasNext()) {
            ImageReader reader = readers.next();
            if (isRead(reader.getOriginatingProvider())) {
                return Optional.of(reader);
            }
            reader.dispose();
        }
        return Optional.empty();
    }

    private static boolean isRead(ImageReaderSpi provider) {
        if (provider == null) {
            return false;
        }
        for (String name : provider.getFormatNames()) {
            if (READER_NAMES.contains(name.toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }
}
