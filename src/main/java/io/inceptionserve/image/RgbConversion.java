package io.inceptionserve.image;

import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/**
 * Copies a decoded image into 8-bit RGB as PIL's {@code convert("RGB")}, which torchvision's image
 * loading uses, does: palette colours looked up, 16-bit samples scaled to 8 bits, grey spread to
 * three equal channels, alpha dropped with the colour under it kept (not composited over a
 * background), an embedded colour profile ignored (converting through it would shift colours by up
 * to a fifth of the range).
 */
final class RgbConversion {

    private RgbConversion() {}

    /** The image as {@link BufferedImage#TYPE_INT_RGB}; itself if it already is. */
    static BufferedImage toRgb(BufferedImage image) {
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
            // Sample by sample, scaled from the bit depth: Java2D would apply its linear-grey gamma and brighten.
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
            // The samples are taken as they are, not converted to sRGB through the embedded profile.
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
}
