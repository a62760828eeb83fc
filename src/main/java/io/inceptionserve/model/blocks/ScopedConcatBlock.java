package io.inceptionserve.model.blocks;

import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Parallel branches on the same input whose outputs are concatenated on the channel axis (an
 * Inception module), freeing each branch's intermediates when the branch ends and the branch
 * outputs once they are concatenated (see {@link Scopes}).
 *
 * <p>Each branch gets NCHW input and must return one NCHW array of the same batch size and
 * spatial size as the other branches.
 */
public class ScopedConcatBlock extends AbstractBlock {

    private static final byte VERSION = 1;
    private static final int CHANNEL_AXIS = 1;

    private final OutputShapeMemo outputShapes = new OutputShapeMemo();

    /** Creates a block with no branches. */
    public ScopedConcatBlock() {
        super(VERSION);
    }

    /**
     * Adds a branch; its output follows the earlier branches' outputs on the channel axis.
     *
     * @param name the branch's name
     * @param branch the branch
     * @return this block
     */
    public final ScopedConcatBlock add(String name, Block branch) {
        addChildBlock(name, branch);
        return this;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        // The outer scope owns the branch outputs, so they die once concatenated.
        return Scopes.run(inputs, shared -> {
            NDList branchOutputs = new NDList(children.size());
            for (Block branch : children.values()) {
                NDList output = Scopes.run(shared, in -> branch.forward(parameterStore, in, training, params));
                branchOutputs.add(output.singletonOrThrow());
            }
            return new NDList(NDArrays.concat(branchOutputs, CHANNEL_AXIS));
        });
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block branch : children.values()) {
            branch.initialize(manager, dataType, inputShapes);
        }
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return outputShapes.of(inputShapes, this::concatenatedOutputShapes);
    }

    private Shape[] concatenatedOutputShapes(Shape[] inputShapes) {
        Shape first = null;
        long channels = 0;
        for (Block branch : children.values()) {
            Shape shape = branch.getOutputShapes(inputShapes)[0];
            if (first == null) {
                first = shape;
            } else if (shape.dimension() != first.dimension()
                    || shape.get(0) != first.get(0)
                    || !shape.slice(CHANNEL_AXIS + 1).equals(first.slice(CHANNEL_AXIS + 1))) {
                throw new IllegalArgumentException(
                        "Branches disagree outside the channel axis: " + first + " vs " + shape);
            }
            channels += shape.get(CHANNEL_AXIS);
        }
        if (first == null) {
            throw new IllegalStateException("A concat block needs at least one branch");
        }
        long[] dims = first.getShape().clone();
        dims[CHANNEL_AXIS] = channels;
        return new Shape[] {new Shape(dims)};
    }
}
