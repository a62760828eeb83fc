package io.inceptionserve.bench;

import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import net.coobird.thumbnailator.Thumbnails;

/**
 * The benchmark's request bodies: real JPEG files, rendered from Fashion-MNIST test images as RGB
 * at a network's input size, plus any extra JPEGs given.
 */
final class BenchJpegs {

    /** The IDX header magic of an unsigned-byte 3-dimensional array (images × rows × columns). */
    private static final int IDX_IMAGES_MAGIC = 0x00000803;

    private static final double JPEG_QUALITY = 0.9;

    private BenchJpegs() {}

    /**
     * Writes the first {@code count} images of an IDX file (gzip-compressed, as Debian ships
     * Fashion-MNIST) to {@code directory} as {@code size}×{@code size} RGB JPEGs, copies
     * {@code extras} there, and returns the bytes of them all.
     */
    static List<byte[]> write(Path idxGz, int count, int size, List<Path> extras, Path directory) throws IOException {
        Files.createDirectories(directory);
        List<byte[]> jpegs = new ArrayList<>(count + extras.size());
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(idxGz)))) {
            int magic = in.readInt();
            if (magic != IDX_IMAGES_MAGIC) {
                throw new IOException(idxGz + " is not an IDX image file (magic " + Integer.toHexString(magic) + ")");
            }
            int available = in.readInt();
            int rows = in.readInt();
            int columns = in.readInt();
            for (int i = 0; i < Math.min(count, available); i++) {
                Path file = directory.resolve(String.format("fashion-%03d-%d.jpg", i, size));
                Thumbnails.of(readRgb(in, rows, columns))
                        .forceSize(size, size)
                        .outputFormat("jpg")
                        .outputQuality(JPEG_QUALITY)
                        .toFile(file.toFile());
                jpegs.add(Files.readAllBytes(file));
            }
        }
        for (Path extra : extras) {
            Files.copy(extra, directory.resolve(extra.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            jpegs.add(Files.readAllBytes(extra));
        }
        return jpegs;
    }

    /** One grey image, its value replicated into R, G and B. */
    private static BufferedImage readRgb(InputStream in, int rows, int columns) throws IOException {
        BufferedImage image = new BufferedImage(columns, rows, BufferedImage.TYPE_INT_RGB);
        byte[] pixels = in.readNBytes(rows * columns);
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < columns; x++) {
                int v = pixels[y * columns + x] & 0xff;
                image.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        return image;
    }
}
