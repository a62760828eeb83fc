package io.inceptionserve.model.inceptionv3;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;

import ai.djl.nn.Block;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;

/**
 * torchvision's {@code InceptionD}, the 17×17 → 8×8 grid reduction (Mixed_7a): branch3x3 (1×1 →
 * 3×3/2) ‖ branch7x7x3 (1×1 → 1×7 → 7×1 → 3×3/2) ‖ max pool 3×3/2 passing the input through,
 * concatenated. branch7x7x3 keeps its reduce width up to the strided 3×3.
 */
public final class InceptionD extends MixedModule {

    /**
     * Builds the module.
     *
     * @param spec its row of {@link InceptionV3#MODULES}
     */
    public InceptionD(InceptionV3.ModuleSpec spec) {
        super(spec, true);
        addUnnamed(branch3x3(spec));
        addUnnamed(branch7x7x3(spec));
        add("branch_pool", maxPoolBranch());
    }

    private static Block branch3x3(InceptionV3.ModuleSpec spec) {
        return new ScopedSequentialBlock()
                .add("branch3x3_1", conv1x1(spec.reduce()))
                .add("branch3x3_2", WITH_BATCH_NORM.of(spec.width(), 3, 2, 0));
    }

    private static Block branch7x7x3(InceptionV3.ModuleSpec spec) {
        return new ScopedSequentialBlock()
                .add("branch7x7x3_1", conv1x1(spec.doubleReduce()))
                .add("branch7x7x3_2", WITH_BATCH_NORM.same(spec.doubleReduce(), 1, 7))
                .add("branch7x7x3_3", WITH_BATCH_NORM.same(spec.doubleReduce(), 7, 1))
                .add("branch7x7x3_4", WITH_BATCH_NORM.of(spec.doubleWidth(), 3, 2, 0));
    }
}
