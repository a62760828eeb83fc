package io.inceptionserve.model.googlenet;

import io.inceptionserve.model.blocks.BasicConv2d;
import io.inceptionserve.model.blocks.Layers;
import io.inceptionserve.model.blocks.ScopedConcatBlock;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;

/**
 * GoogLeNet's Inception module ("Going Deeper with Convolutions", Figure 2b; torchvision's {@code Inception}): 1×1 ‖ 1×1 → 3×3 ‖ 1×1 →
 * k×k ‖ max pool 3×3/1 → 1×1, concatenated. k is 5 in the paper and 3 in torchvision.
 */
public final class InceptionModule extends ScopedConcatBlock {

    /**
     * Builds a module from its row of {@link GoogLeNet#MODULES}.
     *
     * @param spec the module's channel numbers
     * @param conv how convolutions are built (with or without BatchNorm)
     * @param thirdBranchKernel k, the third branch's kernel side (5 or 3)
     */
    public InceptionModule(GoogLeNet.ModuleSpec spec, BasicConv2d conv, int thirdBranchKernel) {
        add("branch1", conv.same(spec.ch1x1(), 1, 1));
        add(
                "branch2",
                new ScopedSequentialBlock()
                        .add(conv.same(spec.ch3x3Reduce(), 1, 1))
                        .add(conv.same(spec.ch3x3(), 3, 3)));
        add(
                "branch3",
                new ScopedSequentialBlock()
                        .add(conv.same(spec.ch5x5Reduce(), 1, 1))
                        .add(conv.same(spec.ch5x5(), thirdBranchKernel, thirdBranchKernel)));
        add(
                "branch4",
                new ScopedSequentialBlock().add(Layers.maxPool(3, 1, 1, true)).add(conv.same(spec.poolProj(), 1, 1)));
    }
}
