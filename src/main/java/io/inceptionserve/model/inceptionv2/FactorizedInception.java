package io.inceptionserve.model.inceptionv2;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;

import ai.djl.nn.Block;
import io.inceptionserve.model.blocks.ScopedConcatBlock;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;

/**
 * Inception-v2's 35×35 module (paper figure 5: the 5×5 replaced by two 3×3): 1×1 ‖ 1×1 → 3×3 ‖
 * 1×1 → 3×3 → 3×3 ‖ pool branch, concatenated.
 */
public final class FactorizedInception extends ScopedConcatBlock {

    /**
     * Builds a module from its row of {@link InceptionV2#MODULES}.
     *
     * @param spec the module's channel numbers
     */
    public FactorizedInception(InceptionV2.ModuleSpec spec) {
        add("branch1", WITH_BATCH_NORM.same(spec.ch1x1(), 1, 1));
        add("branch2", threeByThree(spec.reduce(), spec.width(), 1));
        add("branch3", doubleThreeByThree(spec.doubleReduce(), spec.doubleWidth(), 1));
        add("branch4", spec.poolBranch());
    }

    /** 1×1 → 3×3; the 3×3 has the given stride (2 in a grid reduction). */
    static ScopedSequentialBlock threeByThree(int reduce, int width, int stride) {
        return new ScopedSequentialBlock()
                .add(WITH_BATCH_NORM.same(reduce, 1, 1))
                .add(conv3x3(width, stride));
    }

    /** 1×1 → 3×3 → 3×3; the last 3×3 has the given stride (2 in a grid reduction). */
    static ScopedSequentialBlock doubleThreeByThree(int reduce, int width, int stride) {
        return new ScopedSequentialBlock()
                .add(WITH_BATCH_NORM.same(reduce, 1, 1))
                .add(WITH_BATCH_NORM.same(width, 3, 3))
                .add(conv3x3(width, stride));
    }

    /** Stride 1 keeps the grid (padding 1); stride 2 is unpadded, as in the cited code. */
    private static Block conv3x3(int width, int stride) {
        return WITH_BATCH_NORM.of(width, 3, stride, stride == 1 ? 1 : 0);
    }
}
