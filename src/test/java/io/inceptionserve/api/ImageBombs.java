package io.inceptionserve.api;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/**
 * Small images of each format whose headers declare {@code width × height} pixels: a real image
 * of a few pixels, its header rewritten. A decoder trusting the header would allocate for all of
 * them; the service must refuse them from the header alone.
 */
final class ImageBombs {

    static final String[] FORMATS = {"png", "gif", "tiff", "jpeg"};

    private ImageBombs() {}

    static byte[] of(String format, int width, int height) {
        byte[] bytes = encode(format);
        switch (format) {
            case "png" -> png(bytes, width, height);
            case "gif" -> gif(bytes, width, height);
            case "tiff" -> tiff(bytes, width, height);
            case "jpeg" -> jpeg(bytes, width, height);
            default -> throw new IllegalArgumentException(format);
        }
        return bytes;
    }

    private static byte[] encode(String format) {
        BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_3BYTE_BGR);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(format.equals("gif") ? grey(image) : image, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static BufferedImage grey(BufferedImage image) {
        return new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_BYTE_INDEXED);
    }

    /** IHDR is the first chunk: its width and height at 16 and 20, its CRC after its 13 bytes of data. */
    private static void png(byte[] bytes, int width, int height) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        buffer.putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(bytes, 12, 17);
        buffer.putInt(29, (int) crc.getValue());
    }

    /** The logical screen at 6, and the first image descriptor (0x2C) after it, little-endian. */
    private static void gif(byte[] bytes, int width, int height) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(6, (short) width).putShort(8, (short) height);
        for (int i = 13; i + 9 < bytes.length; i++) {
            if (bytes[i] == 0x2C && buffer.getShort(i + 5) == 16 && buffer.getShort(i + 7) == 16) {
                buffer.putShort(i + 5, (short) width).putShort(i + 7, (short) height);
                return;
            }
        }
        throw new IllegalStateException("no GIF image descriptor");
    }

    /** The first IFD's ImageWidth (256) and ImageLength (257) entries, rewritten as LONG values. */
    private static void tiff(byte[] bytes, int width, int height) {
        ByteBuffer buffer =
                ByteBuffer.wrap(bytes).order(bytes[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        int ifd = buffer.getInt(4);
        int entries = Short.toUnsignedInt(buffer.getShort(ifd));
        for (int e = 0; e < entries; e++) {
            int at = ifd + 2 + 12 * e;
            int tag = Short.toUnsignedInt(buffer.getShort(at));
            if (tag == 256 || tag == 257) {
                buffer.putShort(at + 2, (short) 4).putInt(at + 4, 1).putInt(at + 8, tag == 256 ? width : height);
            }
        }
    }

    /** The SOF0 segment: FF C0, length, precision, then height and width, big-endian. */
    private static void jpeg(byte[] bytes, int width, int height) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        for (int i = 2; i + 9 < bytes.length; i++) {
            if ((bytes[i] & 0xff) == 0xFF && (bytes[i + 1] & 0xff) == 0xC0) {
                buffer.putShort(i + 5, (short) height).putShort(i + 7, (short) width);
                return;
            }
        }
        throw new IllegalStateException("no JPEG SOF0 segment");
    }
}
