package io.inceptionserve.image;

import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.artifact.ModelManifest.ResizePolicy;
import io.inceptionserve.artifact.ModelManifest.Upscale;
import java.awt.Dimension;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import net.coobird.thumbnailator.Thumbnails;
import net.coobird.thumbnailator.resizers.DefaultResizerFactory;
import net.coobird.thumbnailator.resizers.Resizer;
import net.coobird.thumbnailator.resizers.ResizerFactory;
import net.coobird.thumbnailator.resizers.Resizers;

/**
 * Resizes an RGB image and crops its centre to the network's input size, as the manifest says:
 * with Thumbnailator (progressive bilinear reduction, bicubic or bilinear enlarging), or, when the
 * manifest names a Pillow filter, exactly as torchvision's {@code Resize} and {@code CenterCrop} do
 * on a PIL image ({@link PilResampler}). Immutable and thread-safe.
 */
final class ResizeAndCrop {

    /** Longest side, in shorter sides, kept before a shorter-side resize: the centre crop drops the rest anyway. */
    private static final int MAX_ASPECT_RATIO = 4;

    private final int size;
    private final ResizePolicy resizePolicy;
    private final int resizeTo;
    private final ResizerFactory resizers;
    /** Pillow's filter when the manifest asks for torchvision's PIL pipeline; null for Thumbnailator. */
    private final PilResampler.Filter pilFilter;

    ResizeAndCrop(ModelManifest manifest) {
        this.size = manifest.input().size();
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
    }

    /** The {@code size × size} centre of the resized image. */
    BufferedImage apply(BufferedImage rgb) {
        return pilFilter != null ? resizeAndCropAsPil(rgb) : centerCrop(resize(rgb));
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
}
