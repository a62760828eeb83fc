package io.inceptionserve.training;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Images already prepared for the network (channels × size × size floats each, exactly what the
 * service's preprocessor produces) with their class indices. Preparing once per run keeps
 * decoding and resizing out of the epochs.
 */
record LabelledImages(float[][] images, int[] labels) {

    /** No images. */
    static final LabelledImages NONE = new LabelledImages(new float[0][], new int[0]);

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

    /**
     * Splits off {@code fraction} of each class's images, rounded, at least one of a class with
     * two or more: [kept, split off].
     */
    List<LabelledImages> splitEachClass(double fraction, int classes, Random random) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < labels.length; i++) {
            byClass.get(labels[i]).add(i);
        }
        List<Integer> kept = new ArrayList<>();
        List<Integer> splitOff = new ArrayList<>();
        for (List<Integer> indices : byClass) {
            Collections.shuffle(indices, random);
            int count = indices.size() < 2 ? 0 : Math.max(1, (int) Math.round(indices.size() * fraction));
            splitOff.addAll(indices.subList(0, count));
            kept.addAll(indices.subList(count, indices.size()));
        }
        Collections.shuffle(kept, random);
        return List.of(select(kept), select(splitOff));
    }

    /** The images at {@code indices}, in that order. */
    LabelledImages select(List<Integer> indices) {
        return new LabelledImages(
                indices.stream().map(i -> images[i]).toArray(float[][]::new),
                indices.stream().mapToInt(i -> labels[i]).toArray());
    }
}
