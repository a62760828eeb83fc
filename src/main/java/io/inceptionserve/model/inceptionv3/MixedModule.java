package io.inceptionserve.model.inceptionv3;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;

import ai.djl.nn.Block;
import io.inceptionserve.model.blocks.Layers;
import io.inceptionserve.model.blocks.ScopedConcatBlock;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;

/**
 * What Inception-v3's Mixed modules ({@link InceptionA} to {@link InceptionE}) share: their table
 * row's check and the branch parts torchvision's inception.py repeats in each module class.
 *
 * <p>torchvision names a module's layers ({@code branch5x5_1}, {@code branch5x5_2}) and chains
 * them in {@code forward}; here each chain is a block of its own without a name, so that the
 * parameter names still map onto torchvision's keys (see {@link InceptionV3}).
 */
abstract class MixedModule extends ScopedConcatBlock {

    /** A level torchvision does not have: the importer drops it from the key. */
    static final String UNNAMED = "";

    /**
     * Checks the row against the module kind: the grid reductions (B, D) have neither a 1×1
     * branch nor a pool projection, the other modules both.
     *
     * @param spec the module's row of {@link InceptionV3#MODULES}
     * @param gridReduction whether the module is a grid reduction
     */
    MixedModule(InceptionV3.ModuleSpec spec, boolean gridReduction) {
        if ((spec.ch1x1() == 0) != gridReduction || (spec.poolProj() == 0) != gridReduction) {
            throw new IllegalArgumentException(spec.name() + ": " + getClass().getSimpleName()
                    + (gridReduction
                            ? " is a grid reduction, without a 1×1 branch and a projection"
                            : " needs a 1×1 branch and a projection"));
        }
    }

    /** Adds a branch whose layers carry torchvision's names. */
    final void addUnnamed(Block branch) {
        add(UNNAMED, branch);
    }

    static Block conv1x1(int filters) {
        return WITH_BATCH_NORM.same(filters, 1, 1);
    }

    /** torchvision's {@code branch_pool} of A, C and E: avg pool 3×3/1 → 1×1 projection. */
    static Block avgPoolBranch(int projection) {
        return new ScopedSequentialBlock()
                .add("avgpool", Layers.avgPool3x3Same())
                .add("branch_pool", conv1x1(projection));
    }

    /** The grid reductions' pool branch: max pool 3×3/2, floor mode like the stride-2 convolutions beside it. */
    static Block maxPoolBranch() {
        return Layers.maxPool(3, 2, 0, false);
    }

    /** InceptionE's split: {@code <name>a} (1×3) ‖ {@code <name>b} (3×1) on the same input, concatenated. */
    static Block split(String name, int width) {
        return new ScopedConcatBlock()
                .add(name + "a", WITH_BATCH_NORM.same(width, 1, 3))
                .add(name + "b", WITH_BATCH_NORM.same(width, 3, 1));
    }
}
