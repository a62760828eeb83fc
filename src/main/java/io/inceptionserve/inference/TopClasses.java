package io.inceptionserve.inference;

import java.util.Comparator;
import java.util.stream.IntStream;

/** The most probable classes of one image, as both APIs answer them. */
public final class TopClasses {

    private TopClasses() {}

    /**
     * @param probabilities every class's probability, in class-index order
     * @param k how many to keep
     * @return the indices of the k most probable classes, most probable first
     */
    public static int[] of(float[] probabilities, int k) {
        return IntStream.range(0, probabilities.length)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer c) -> probabilities[c])
                        .reversed())
                .limit(k)
                .mapToInt(Integer::intValue)
                .toArray();
    }
}
