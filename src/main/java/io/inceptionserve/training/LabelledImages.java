package io.inceptionserve.training;

import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Images already prepared for the network (channels × size × size floats each, exactly what the
 * service's preprocessor produces) with their class indices. Preparing once per run keeps
 * decoding and resizing out of the epochs.
 */
record LabelledImages(float[][] images, int[] labels) {

    /** Prepares {@code labels.length} images, the i-th by {@code prepareImage.apply(i)}, on all cores. */
    static LabelledImages prepare(int[] labels, IntFunction<float[]> prepareImage) {
        float[][] images = IntStream.range(0, labels.length)
                .parallel()
                .mapToObj(prepareImage)
                .toArray(float[][]::new);
        return new LabelledImages(images, labels);
    }

    int size() {
        return labels.length;
    }
}
