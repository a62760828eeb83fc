package io.inceptionserve.image;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;

/**
 * Decoded 8-bit pixels a client sent, row-major with interleaved channels (grey, or R, G, B), read
 * in place from the request's bytes: the image shares them rather than copying them.
 *
 * @param name the client's name for it
 * @param data holds the pixels from {@code offset} on, {@code height × width × channels} bytes
 * @param channels 1 (grey) or 3 (RGB)
 */
public record PixelImage(String name, byte[] data, int offset, int width, int height, int channels)
        implements ImageInput {

    public PixelImage {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("pixels are grey (1 channel) or RGB (3), not " + channels + " channels");
        }
        if (width < 1 || height < 1 || offset < 0 || offset + (long) width * height * channels > data.length) {
            throw new IllegalArgumentException(width + "×" + height + "×" + channels + " pixels from " + offset
                    + " do not fit in " + data.length + " bytes");
        }
    }

    /** The pixels' size without any of the image: checked against the limits before it is built. */
    public static ImageSize sizeOf(long width, long height) {
        return new ImageSize("pixel tensor", width, height);
    }

    @Override
    public String filename() {
        return name;
    }

    @Override
    public ImageSize size() {
        return sizeOf(width, height);
    }

    @Override
    public float[] prepare(ImagePreprocessor preprocessor) {
        return preprocessor.prepare(image());
    }

    /** The pixels as an image over the same bytes: grey as stored, RGB as sRGB. */
    BufferedImage image() {
        // The raster ignores a DataBuffer's own offset: the pixels' start goes into the band offsets.
        int[] bands = channels == 1 ? new int[] {offset} : new int[] {offset, offset + 1, offset + 2};
        DataBufferByte buffer = new DataBufferByte(data, data.length);
        WritableRaster raster =
                Raster.createInterleavedRaster(buffer, width, height, width * channels, channels, bands, null);
        ColorSpace space = ColorSpace.getInstance(channels == 1 ? ColorSpace.CS_GRAY : ColorSpace.CS_sRGB);
        ComponentColorModel colours =
                new ComponentColorModel(space, false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        return new BufferedImage(colours, raster, false, null);
    }
}
