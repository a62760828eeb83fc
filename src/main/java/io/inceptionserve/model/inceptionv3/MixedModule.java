package io.inceptionserve.model.inceptionv3;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;

import ai.djl.nn.Block;
import io.inceptionserve.model.blocks.Layers;
import io.inceptionserve.model.blocks.ScopedConcatBlock;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;

/**
 * One of Inception-v3's Mixed modules, built like torchvision's InceptionA–E (inception.py)
 * from a row of {@link InceptionV3#MODULES}, its layers named as there. Each branch that chains
 * several layers is an unnamed block (see {@link InceptionV3}).
 */
public final class MixedModule extends ScopedConcatBlock {

    /** Levels torchvision does not have, so that parameter names map onto its keys. */
    private static final String UNNAMED = "";

    /**
     * Builds a module from its table row.
     *
     * @param spec the module's channel numbers and kind
     */
    public MixedModule(InceptionV3.ModuleSpec spec) {
        switch (spec.kind()) {
            case A -> {
                add("branch1x1", conv1x1(spec.ch1x1()));
                add(
                        UNNAMED,
                        new ScopedSequentialBlock()
                                .add("branch5x5_1", conv1x1(spec.reduce()))
                                .add("branch5x5_2", WITH_BATCH_NORM.same(spec.width(), 5, 5)));
                add(UNNAMED, doubleThreeByThree(spec, 1));
                add(UNNAMED, avgPoolBranch(spec.poolProj()));
            }
            case B -> {
                add("branch3x3", WITH_BATCH_NORM.of(spec.width(), 3, 2, 0));
                add(UNNAMED, doubleThreeByThree(spec, 2));
                add("branch_pool", maxPoolReduction());
            }
            case C -> {
                add("branch1x1", conv1x1(spec.ch1x1()));
                add(
                        UNNAMED,
                        new ScopedSequentialBlock()
                                .add("branch7x7_1", conv1x1(spec.reduce()))
                                .add("branch7x7_2", WITH_BATCH_NORM.same(spec.reduce(), 1, 7))
                                .add("branch7x7_3", WITH_BATCH_NORM.same(spec.width(), 7, 1)));
                add(
                        UNNAMED,
                        new ScopedSequentialBlock()
                                .add("branch7x7dbl_1", conv1x1(spec.doubleReduce()))
                                .add("branch7x7dbl_2", WITH_BATCH_NORM.same(spec.doubleReduce(), 7, 1))
                                .add("branch7x7dbl_3", WITH_BATCH_NORM.same(spec.doubleReduce(), 1, 7))
                                .add("branch7x7dbl_4", WITH_BATCH_NORM.same(spec.doubleReduce(), 7, 1))
                                .add("branch7x7dbl_5", WITH_BATCH_NORM.same(spec.doubleWidth(), 1, 7)));
                add(UNNAMED, avgPoolBranch(spec.poolProj()));
            }
            case D -> {
                add(
                        UNNAMED,
                        new ScopedSequentialBlock()
                                .add("branch3x3_1", conv1x1(spec.reduce()))
                                .add("branch3x3_2", WITH_BATCH_NORM.of(spec.width(), 3, 2, 0)));
                add(
                        UNNAMED,
                        new ScopedSequentialBlock()
                                .add("branch7x7x3_1", conv1x1(spec.doubleReduce()))
                                .add("branch7x7x3_2", WITH_BATCH_NORM.same(spec.doubleReduce(), 1, 7))
                                .add("branch7x7x3_3", WITH_BATCH_NORM.same(spec.doubleReduce(), 7, 1))
                                .add("branch7x7x3_4", WITH_BATCH_NORM.of(spec.doubleWidth(), 3, 2, 0)));
                add("branch_pool", maxPoolReduction());
            }
            case E -> {
                add("branch1x1", conv1x1(spec.ch1x1()));
                add(
                        UNNAMED,
                        new ScopedSequentialBlock()
                                .add("branch3x3_1", conv1x1(spec.reduce()))
                                .add(UNNAMED, split("branch3x3_2", spec.width())));
                add(
                        UNNAMED,
                        new ScopedSequentialBlock()
                                .add("branch3x3dbl_1", conv1x1(spec.doubleReduce()))
                                .add("branch3x3dbl_2", WITH_BATCH_NORM.same(spec.doubleWidth(), 3, 3))
                                .add(UNNAMED, split("branch3x3dbl_3", spec.doubleWidth())));
                add(UNNAMED, avgPoolBranch(spec.poolProj()));
            }
        }
    }

    private static Block conv1x1(int filters) {
        return WITH_BATCH_NORM.same(filters, 1, 1);
    }

    /** 1×1 → 3×3 → 3×3 with the given stride (2 in the grid reduction B, unpadded). */
    private static Block doubleThreeByThree(InceptionV3.ModuleSpec spec, int stride) {
        return new ScopedSequentialBlock()
                .add("branch3x3dbl_1", conv1x1(spec.doubleReduce()))
                .add("branch3x3dbl_2", WITH_BATCH_NORM.same(spec.doubleWidth(), 3, 3))
                .add("branch3x3dbl_3", WITH_BATCH_NORM.of(spec.doubleWidth(), 3, stride, stride == 1 ? 1 : 0));
    }

    /** avg pool 3×3/1 → branch_pool, a 1×1 projection. */
    private static Block avgPoolBranch(int projection) {
        return new ScopedSequentialBlock()
                .add("avgpool", Layers.avgPool3x3Same())
                .add("branch_pool", conv1x1(projection));
    }

    /** 3×3/2 max pool, floor mode like the stride-2 convolutions beside it. */
    private static Block maxPoolReduction() {
        return Layers.maxPool(3, 2, 0, false);
    }

    /** {@code <name>a} (1×3) ‖ {@code <name>b} (3×1) on the same input, concatenated. */
    private static Block split(String name, int width) {
        return new ScopedConcatBlock()
                .add(name + "a", WITH_BATCH_NORM.same(width, 1, 3))
                .add(name + "b", WITH_BATCH_NORM.same(width, 3, 1));
    }
}
