package io.inceptionserve.model.inceptionv2;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;

import io.inceptionserve.model.blocks.ScopedConcatBlock;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;

/**
 * Inception-v2's 8×8 module (paper figure 7, the expanded filter bank): 1×1 ‖ 1×1 → (1×3 ‖ 3×1) ‖
 * 1×1 → 3×3 → (1×3 ‖ 3×1) ‖ pool branch, concatenated. The split branches contribute twice their
 * width, which widens the coarsest grid's representation.
 */
public final class ExpandedInception extends ScopedConcatBlock {

    /**
     * Builds a module from its row of {@link InceptionV2#MODULES}.
     *
     * @param spec the module's channel numbers
     */
    public ExpandedInception(InceptionV2.ModuleSpec spec) {
        add("branch1", WITH_BATCH_NORM.same(spec.ch1x1(), 1, 1));
        add(
                "branch2",
                new ScopedSequentialBlock()
                        .add(WITH_BATCH_NORM.same(spec.reduce(), 1, 1))
                        .add(split(spec.width())));
        add(
                "branch3",
                new ScopedSequentialBlock()
                        .add(WITH_BATCH_NORM.same(spec.doubleReduce(), 1, 1))
                        .add(WITH_BATCH_NORM.same(spec.doubleWidth(), 3, 3))
                        .add(split(spec.doubleWidth())));
        add("branch4", spec.poolBranch());
    }

    /** 1×3 ‖ 3×1 on the same input, concatenated: 2 × width channels. */
    private static ScopedConcatBlock split(int width) {
        return new ScopedConcatBlock()
                .add("conv1x3", WITH_BATCH_NORM.same(width, 1, 3))
                .add("conv3x1", WITH_BATCH_NORM.same(width, 3, 1));
    }
}
