package io.inceptionserve.model.inceptionv3;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;

import ai.djl.nn.Block;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;

/**
 * torchvision's {@code InceptionC}, the 17×17 module with 7×7 convolutions factorised into 1×7 and
 * 7×1 (Mixed_6b–6e): branch1x1 ‖ branch7x7 (1×1 → 1×7 → 7×1) ‖ branch7x7dbl (1×1 → 7×1 → 1×7 →
 * 7×1 → 1×7) ‖ branch_pool (avg pool → 1×1), concatenated. Inside the 7×7 branches every layer
 * but the last keeps the reduce width (torchvision's {@code channels_7x7}).
 */
public final class InceptionC extends MixedModule {

    /**
     * Builds the module.
     *
     * @param spec its row of {@link InceptionV3#MODULES}
     */
    public InceptionC(InceptionV3.ModuleSpec spec) {
        super(spec, false);
        add("branch1x1", conv1x1(spec.ch1x1()));
        addUnnamed(branch7x7(spec));
        addUnnamed(branch7x7dbl(spec));
        addUnnamed(avgPoolBranch(spec.poolProj()));
    }

    private static Block branch7x7(InceptionV3.ModuleSpec spec) {
        return new ScopedSequentialBlock()
                .add("branch7x7_1", conv1x1(spec.reduce()))
                .add("branch7x7_2", WITH_BATCH_NORM.same(spec.reduce(), 1, 7))
                .add("branch7x7_3", WITH_BATCH_NORM.same(spec.width(), 7, 1));
    }

    private static Block branch7x7dbl(InceptionV3.ModuleSpec spec) {
        return new ScopedSequentialBlock()
                .add("branch7x7dbl_1", conv1x1(spec.doubleReduce()))
                .add("branch7x7dbl_2", WITH_BATCH_NORM.same(spec.doubleReduce(), 7, 1))
                .add("branch7x7dbl_3", WITH_BATCH_NORM.same(spec.doubleReduce(), 1, 7))
                .add("branch7x7dbl_4", WITH_BATCH_NORM.same(spec.doubleReduce(), 7, 1))
                .add("branch7x7dbl_5", WITH_BATCH_NORM.same(spec.doubleWidth(), 1, 7));
    }
}
