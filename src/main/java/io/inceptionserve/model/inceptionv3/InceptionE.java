package io.inceptionserve.model.inceptionv3;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;

import ai.djl.nn.Block;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;

/**
 * torchvision's {@code InceptionE}, the 8×8 module with the expanded filter bank (Mixed_7b, 7c):
 * branch1x1 ‖ branch3x3 (1×1 → 1×3 ‖ 3×1) ‖ branch3x3dbl (1×1 → 3×3 → 1×3 ‖ 3×1) ‖ branch_pool
 * (avg pool → 1×1), concatenated. Each split gives twice the width of its table column.
 */
public final class InceptionE extends MixedModule {

    /**
     * Builds the module.
     *
     * @param spec its row of {@link InceptionV3#MODULES}
     */
    public InceptionE(InceptionV3.ModuleSpec spec) {
        super(spec, false);
        add("branch1x1", conv1x1(spec.ch1x1()));
        addUnnamed(branch3x3(spec));
        addUnnamed(branch3x3dbl(spec));
        addUnnamed(avgPoolBranch(spec.poolProj()));
    }

    private static Block branch3x3(InceptionV3.ModuleSpec spec) {
        return new ScopedSequentialBlock()
                .add("branch3x3_1", conv1x1(spec.reduce()))
                .add(UNNAMED, split("branch3x3_2", spec.width()));
    }

    private static Block branch3x3dbl(InceptionV3.ModuleSpec spec) {
        return new ScopedSequentialBlock()
                .add("branch3x3dbl_1", conv1x1(spec.doubleReduce()))
                .add("branch3x3dbl_2", WITH_BATCH_NORM.same(spec.doubleWidth(), 3, 3))
                .add(UNNAMED, split("branch3x3dbl_3", spec.doubleWidth()));
    }
}
