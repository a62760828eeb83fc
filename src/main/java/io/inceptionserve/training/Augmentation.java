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
    CROP_FLIP;

    private static final int CROP_PADDING = 4;

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
}
