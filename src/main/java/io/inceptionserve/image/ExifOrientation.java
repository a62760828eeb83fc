package io.inceptionserve.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import org.w3c.dom.Node;

/**
 * A JPEG's EXIF orientation (1–8): read from its metadata, and applied by turning the pixels
 * upright.
 *
 * <p>Uploads are untrusted, so every offset is checked: an EXIF block that is missing, damaged or
 * names no valid orientation means 1, the pixels as stored, rather than a refused photo.
 */
final class ExifOrientation {

    private static final String JPEG_METADATA = "javax_imageio_jpeg_image_1.0";
    private static final int APP1 = 0xE1;
    private static final byte[] EXIF_HEADER = {'E', 'x', 'i', 'f', 0, 0};
    private static final int ORIENTATION_TAG = 0x0112;
    private static final int SHORT_TYPE = 3;
    private static final int IFD_ENTRY_BYTES = 12;
    private static final int UPRIGHT = 1;

    private ExifOrientation() {}

    /** Whether this format's EXIF orientation is read: only JPEG's, where phones write it. */
    static boolean isCarriedBy(String format) {
        return "JPEG".equals(format);
    }

    /** The orientation of the reader's first image, read with its metadata; 1 for other formats. */
    static int of(ImageReader reader, String format) {
        if (!isCarriedBy(format)) {
            return UPRIGHT;
        }
        Node root;
        try {
            root = reader.getImageMetadata(0).getAsTree(JPEG_METADATA);
        } catch (IOException | RuntimeException e) {
            return UPRIGHT;
        }
        for (Node sequence = root.getFirstChild(); sequence != null; sequence = sequence.getNextSibling()) {
            if (!"markerSequence".equals(sequence.getNodeName())) {
                continue;
            }
            for (Node marker = sequence.getFirstChild(); marker != null; marker = marker.getNextSibling()) {
                if (marker instanceof IIOMetadataNode node
                        && node.getUserObject() instanceof byte[] segment
                        && isApp1(node)) {
                    int orientation = parse(segment);
                    if (orientation != UPRIGHT) {
                        return orientation;
                    }
                }
            }
        }
        return UPRIGHT;
    }

    /**
     * Turns an RGB image upright by moving whole pixels, as EXIF orientation 1–8 asks: 2 mirrors,
     * 3 turns 180°, 4 flips, 5 transposes, 6 turns 90° clockwise, 7 transverses, 8 turns 90°
     * anticlockwise.
     */
    static BufferedImage upright(BufferedImage rgb, int orientation) {
        if (orientation == UPRIGHT) {
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

    private static boolean isApp1(IIOMetadataNode node) {
        return "unknown".equals(node.getNodeName()) && String.valueOf(APP1).equals(node.getAttribute("MarkerTag"));
    }

    /** The orientation in an APP1 segment's payload ("Exif\0\0" and a TIFF structure); 1 if none. */
    private static int parse(byte[] segment) {
        int tiff = EXIF_HEADER.length;
        if (segment.length < tiff + 8 || !Arrays.equals(segment, 0, tiff, EXIF_HEADER, 0, tiff)) {
            return UPRIGHT;
        }
        ByteBuffer bytes = ByteBuffer.wrap(segment);
        if (segment[tiff] == 'I' && segment[tiff + 1] == 'I') {
            bytes.order(ByteOrder.LITTLE_ENDIAN);
        } else if (segment[tiff] != 'M' || segment[tiff + 1] != 'M') {
            return UPRIGHT;
        }
        long ifd = tiff + Integer.toUnsignedLong(bytes.getInt(tiff + 4));
        if (ifd + 2 > segment.length) {
            return UPRIGHT;
        }
        int entries = Short.toUnsignedInt(bytes.getShort((int) ifd));
        for (int i = 0; i < entries; i++) {
            long entry = ifd + 2 + (long) i * IFD_ENTRY_BYTES;
            if (entry + IFD_ENTRY_BYTES > segment.length) {
                return UPRIGHT;
            }
            int at = (int) entry;
            if (Short.toUnsignedInt(bytes.getShort(at)) == ORIENTATION_TAG) {
                int value = Short.toUnsignedInt(bytes.getShort(at + 8));
                boolean valid = Short.toUnsignedInt(bytes.getShort(at + 2)) == SHORT_TYPE && value >= 1 && value <= 8;
                return valid ? value : UPRIGHT;
            }
        }
        return UPRIGHT;
    }
}
