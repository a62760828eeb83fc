package io.inceptionserve.model.inceptionv2;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;

import io.inceptionserve.model.blocks.ScopedConcatBlock;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;

/**
 * Inception-v2's 17×17 module (paper figure 6: a 7×7 factorised into 1×7 and 7×1): 1×1 ‖ 1×1 →
 * 1×7 → 7×1 ‖ 1×1 → 7×1 → 1×7 → 7×1 → 1×7 ‖ pool branch, concatenated.
 */
public final class AsymmetricInception extends ScopedConcatBlock {

    /**
     * Builds a module from its row of {@link InceptionV2#MODULES}.
     *
     * @param spec the module's channel numbers
     */
    public AsymmetricInception(InceptionV2.ModuleSpec spec) {
        add("branch1", WITH_BATCH_NORM.same(spec.ch1x1(), 1, 1));
        add("branch2", sevenBySeven(spec.reduce(), spec.width()));
        add("branch3", doubleSevenBySeven(spec.doubleReduce(), spec.doubleWidth()));
        add("branch4", spec.poolBranch());
    }

    /** 1×1 → 1×7 → 7×1. */
    static ScopedSequentialBlock sevenBySeven(int reduce, int width) {
        return new ScopedSequentialBlock()
                .add(WITH_BATCH_NORM.same(reduce, 1, 1))
                .add(WITH_BATCH_NORM.same(width, 1, 7))
                .add(WITH_BATCH_NORM.same(width, 7, 1));
    }

    /** 1×1 → 7×1 → 1×7 → 7×1 → 1×7. */
    static ScopedSequentialBlock doubleSevenBySeven(int reduce, int width) {
        return new ScopedSequentialBlock()
                .add(WITH_BATCH_NORM.same(reduce, 1, 1))
                .add(WITH_BATCH_NORM.same(width, 7, 1))
                .add(WITH_BATCH_NORM.same(width, 1, 7))
                .add(WITH_BATCH_NORM.same(width, 7, 1))
                .add(WITH_BATCH_NORM.same(width, 1, 7));
    }
}
