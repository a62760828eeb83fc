package io.inceptionserve.model.inceptionv3;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;

import ai.djl.nn.Block;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;

/**
 * torchvision's {@code InceptionA}, the 35×35 module (Mixed_5b–5d): branch1x1 ‖ branch5x5 (1×1 →
 * 5×5) ‖ branch3x3dbl (1×1 → 3×3 → 3×3) ‖ branch_pool (avg pool → 1×1), concatenated.
 */
public final class InceptionA extends MixedModule {

    /**
     * Builds the module.
     *
     * @param spec its row of {@link InceptionV3#MODULES}
     */
    public InceptionA(InceptionV3.ModuleSpec spec) {
        super(spec, false);
        add("branch1x1", conv1x1(spec.ch1x1()));
        addUnnamed(branch5x5(spec));
        addUnnamed(branch3x3dbl(spec));
        addUnnamed(avgPoolBranch(spec.poolProj()));
    }

    private static Block branch5x5(InceptionV3.ModuleSpec spec) {
        return new ScopedSequentialBlock()
                .add("branch5x5_1", conv1x1(spec.reduce()))
                .add("branch5x5_2", WITH_BATCH_NORM.same(spec.width(), 5, 5));
    }

    private static Block branch3x3dbl(InceptionV3.ModuleSpec spec) {
        return new ScopedSequentialBlock()
                .add("branch3x3dbl_1", conv1x1(spec.doubleReduce()))
                .add("branch3x3dbl_2", WITH_BATCH_NORM.same(spec.doubleWidth(), 3, 3))
                .add("branch3x3dbl_3", WITH_BATCH_NORM.same(spec.doubleWidth(), 3, 3));
    }
}
