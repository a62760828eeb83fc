package io.inceptionserve.model.inceptionv2;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;

import ai.djl.nn.Block;
import io.inceptionserve.model.blocks.Layers;
import io.inceptionserve.model.blocks.ScopedConcatBlock;

/**
 * Inception-v2's grid reduction (paper section 5; modules 3c and 5e): two conv branches ending in a
 * stride-2 3×3 ‖ max pool 3×3/2 passing the input channels through, concatenated. It halves the
 * grid without the representational bottleneck of conv-then-pool.
 */
public final class GridReduction extends ScopedConcatBlock {

    private GridReduction(InceptionV2.ModuleSpec spec, Block branch2, Block branch3) {
        if (spec.ch1x1() != 0 || spec.pool() != InceptionV2.PoolType.MAX) {
            throw new IllegalArgumentException(
                    spec.name() + ": a grid reduction has no 1×1 branch and a plain max pool");
        }
        add("branch2", branch2);
        add("branch3", branch3);
        // Floor mode like the stride-2 convolutions, so all branches agree at any input size.
        add("branch4", Layers.maxPool(3, 2, 0, false));
    }

    /**
     * 35×35 → 17×17 (module 3c): the 35×35 module's conv branches with their last 3×3 strided.
     *
     * @param spec the module's row of {@link InceptionV2#MODULES}
     * @return the module
     */
    public static GridReduction after35x35(InceptionV2.ModuleSpec spec) {
        return new GridReduction(
                spec,
                FactorizedInception.threeByThree(spec.reduce(), spec.width(), 2),
                FactorizedInception.doubleThreeByThree(spec.doubleReduce(), spec.doubleWidth(), 2));
    }

    /**
     * 17×17 → 8×8 (module 5e): the 17×17 module's conv branches, each followed by a 3×3/2.
     *
     * @param spec the module's row of {@link InceptionV2#MODULES}
     * @return the module
     */
    public static GridReduction after17x17(InceptionV2.ModuleSpec spec) {
        return new GridReduction(
                spec,
                AsymmetricInception.sevenBySeven(spec.reduce(), spec.width())
                        .add(WITH_BATCH_NORM.of(spec.width(), 3, 2, 0)),
                AsymmetricInception.doubleSevenBySeven(spec.doubleReduce(), spec.doubleWidth())
                        .add(WITH_BATCH_NORM.of(spec.doubleWidth(), 3, 2, 0)));
    }
}
