package io.inceptionserve.training;

import java.util.Random;

/**
 * Random changes applied to each training image when it is put into a batch. Images are already
 * prepared (normalised, channels first), so the work is plain array copying: a fraction of the
 * network's cost per image.
 */
public enum Augmentation {
    /** The image as prepared. */
    NONE,
    /** Mirror left-right with probability ½. */
    FLIP,
    /**
     * Pad 4 px on every side with black, crop back to the original size at a random offset, then
     * mirror with probability ½ (the usual CIFAR recipe).
     */
    CROP_FLIP,
    /**
     * A random part of the image, 35–100 % of its area at an aspect ratio within 3:4..4:3, scaled
     * back to the full size bilinearly, then mirrored with probability ½: torchvision's {@code
     * RandomResizedCrop} for photos, its smallest share raised from 8 % because the images are
     * already small.
     */
    RESIZED_CROP_FLIP;

    private static final int CROP_PADDING = 4;
    private static final double MIN_AREA = 0.35;
    private static final double MAX_LOG_ASPECT = Math.log(4.0 / 3);

    /** The id used on the command line, e.g. "crop-flip". */
    @Override
    public String toString() {
        return TrainingOptions.Ids.of(this);
    }

    /**
     * Writes an augmented copy of {@code image} into {@code target} at {@code offset}.
     *
     * @param image one prepared image, channels × size × size
     * @param size the image's side
     * @param black per-channel value of a black pixel after normalisation, used for padding
     */
    void apply(float[] image, int size, float[] black, Random random, float[] target, int offset) {
        if (this == RESIZED_CROP_FLIP) {
            resizedCrop(image, size, black.length, random, target, offset);
            return;
        }
        int shiftX = 0;
        int shiftY = 0;
        if (this == CROP_FLIP) {
            shiftX = random.nextInt(2 * CROP_PADDING + 1) - CROP_PADDING;
            shiftY = random.nextInt(2 * CROP_PADDING + 1) - CROP_PADDING;
        }
        boolean flip = this != NONE && random.nextBoolean();
        if (shiftX == 0 && shiftY == 0 && !flip) {
            System.arraycopy(image, 0, target, offset, image.length);
            return;
        }
        int plane = size * size;
        for (int c = 0; c < black.length; c++) {
            for (int y = 0; y < size; y++) {
                int sourceY = y + shiftY;
                for (int x = 0; x < size; x++) {
                    int sourceX = (flip ? size - 1 - x : x) + shiftX;
                    boolean inside = sourceY >= 0 && sourceY < size && sourceX >= 0 && sourceX < size;
                    target[offset + c * plane + y * size + x] =
                            inside ? image[c * plane + sourceY * size + sourceX] : black[c];
                }
            }
        }
    }

    private static void resizedCrop(float[] image, int size, int channels, Random random, float[] target, int offset) {
        double area = MIN_AREA + (1 - MIN_AREA) * random.nextDouble();
        double aspect = Math.exp((2 * random.nextDouble() - 1) * MAX_LOG_ASPECT);
        double width = Math.min(size, size * Math.sqrt(area * aspect));
        double height = Math.min(size, size * Math.sqrt(area / aspect));
        double left = (size - width) * random.nextDouble();
        double top = (size - height) * random.nextDouble();
        boolean flip = random.nextBoolean();
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            double sourceY = Math.min(size - 1, Math.max(0, top + (y + 0.5) * height / size - 0.5));
            int y0 = (int) sourceY;
            int y1 = Math.min(size - 1, y0 + 1);
            double fy = sourceY - y0;
            for (int x = 0; x < size; x++) {
                int column = flip ? size - 1 - x : x;
                double sourceX = Math.min(size - 1, Math.max(0, left + (column + 0.5) * width / size - 0.5));
                int x0 = (int) sourceX;
                int x1 = Math.min(size - 1, x0 + 1);
                double fx = sourceX - x0;
                for (int c = 0; c < channels; c++) {
                    int base = c * plane;
                    double upper = image[base + y0 * size + x0] * (1 - fx) + image[base + y0 * size + x1] * fx;
                    double lower = image[base + y1 * size + x0] * (1 - fx) + image[base + y1 * size + x1] * fx;
                    target[offset + base + y * size + x] = (float) (upper * (1 - fy) + lower * fy);
                }
            }
        }
    }
}
