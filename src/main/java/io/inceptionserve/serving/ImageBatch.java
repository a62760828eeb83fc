package io.inceptionserve.serving;

/**
 * Prepared images stacked channels-first, ready for one forward pass.
 *
 * @param pixels {@code count × channels × size × size} floats
 * @param shape the network input shape {@code (count, channels, size, size)}
 */
public record ImageBatch(float[] pixels, long[] shape) {

    public int count() {
        return (int) shape[0];
    }

    /** Stacks images prepared alike, each {@code channels × size × size}. */
    public static ImageBatch of(java.util.List<float[]> images, int channels, int size) {
        int length = channels * size * size;
        float[] pixels = new float[images.size() * length];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, pixels, i * length, length);
        }
        return new ImageBatch(pixels, new long[] {images.size(), channels, size, size});
    }
}
