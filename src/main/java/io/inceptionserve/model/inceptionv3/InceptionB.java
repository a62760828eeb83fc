package io.inceptionserve.model.inceptionv3;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;

import ai.djl.nn.Block;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;

/**
 * torchvision's {@code InceptionB}, the 35×35 → 17×17 grid reduction (Mixed_6a): branch3x3 (3×3/2,
 * no reduce) ‖ branch3x3dbl (1×1 → 3×3 → 3×3/2) ‖ max pool 3×3/2 passing the input through,
 * concatenated.
 */
public final class InceptionB extends MixedModule {

    /**
     * Builds the module.
     *
     * @param spec its row of {@link InceptionV3#MODULES}
     */
    public InceptionB(InceptionV3.ModuleSpec spec) {
        super(spec, true);
        add("branch3x3", WITH_BATCH_NORM.of(spec.width(), 3, 2, 0));
        addUnnamed(branch3x3dbl(spec));
        add("branch_pool", maxPoolBranch());
    }

    private static Block branch3x3dbl(InceptionV3.ModuleSpec spec) {
        return new ScopedSequentialBlock()
                .add("branch3x3dbl_1", conv1x1(spec.doubleReduce()))
                .add("branch3x3dbl_2", WITH_BATCH_NORM.same(spec.doubleWidth(), 3, 3))
                .add("branch3x3dbl_3", WITH_BATCH_NORM.of(spec.doubleWidth(), 3, 2, 0));
    }
}
