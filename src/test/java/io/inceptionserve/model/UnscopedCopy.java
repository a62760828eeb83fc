package io.inceptionserve.model;

import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import io.inceptionserve.model.blocks.AuxiliaryClassifier;
import io.inceptionserve.model.blocks.ScopedConcatBlock;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * The control for the scoping measurements: the same network, sharing the same layers and
 * parameters, chained by DJL's plain {@link SequentialBlock} and {@link ParallelBlock}, so every
 * intermediate array of a forward stays attached to the caller's manager until the call ends.
 * Inference only (auxiliary classifiers are left out).
 */
public final class UnscopedCopy {

    private UnscopedCopy() {}

    /**
     * Rebuilds {@code block}'s scoped containers as plain DJL containers around the same leaves.
     *
     * @param block a network or part of one, as built by this package
     * @return the unscoped equivalent for inference
     */
    public static Block of(Block block) {
        if (block instanceof ScopedConcatBlock) {
            List<Block> branches = new ArrayList<>();
            for (Pair<String, Block> branch : block.getChildren()) {
                branches.add(of(branch.getValue()));
            }
            return new ParallelBlock(
                    outputs -> {
                        NDList heads = new NDList(outputs.size());
                        outputs.forEach(output -> heads.add(output.singletonOrThrow()));
                        return new NDList(NDArrays.concat(heads, 1));
                    },
                    branches);
        }
        if (block instanceof ScopedSequentialBlock) {
            SequentialBlock chain = new SequentialBlock();
            for (Pair<String, Block> child : block.getChildren()) {
                if (!(child.getValue() instanceof AuxiliaryClassifier)) {
                    chain.add(of(child.getValue()));
                }
            }
            return chain;
        }
        return block;
    }
}
