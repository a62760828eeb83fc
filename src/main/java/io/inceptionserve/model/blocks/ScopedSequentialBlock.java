package io.inceptionserve.model.blocks;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A chain of blocks, like DJL's {@code SequentialBlock}, that frees every intermediate result as
 * soon as the next child has consumed it: each child runs in its own sub-manager (see {@link
 * Scopes}), the block's own inputs are only lent to the first child, and each child's output is
 * handed over to the next one.
 *
 * <p>Side outputs: a child may return more than one array. The first is the activation passed to
 * the next child; the others (auxiliary logits, see {@link AuxiliaryClassifier}) bypass the rest
 * of the chain and are appended, in order, after this block's own output.
 *
 * <p>{@link #add(Block)} names a child by its position ("0", "1", …) as PyTorch's {@code
 * nn.Sequential} does, so parameter names line up with torchvision's state_dict keys.
 */
public class ScopedSequentialBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final OutputShapeMemo outputShapes = new OutputShapeMemo();

    /** Creates an empty chain. */
    public ScopedSequentialBlock() {
        super(VERSION);
    }

    /**
     * Appends a child named by its zero-based position.
     *
     * @param block the child
     * @return this block
     */
    public final ScopedSequentialBlock add(Block block) {
        return add(String.valueOf(children.size()), block);
    }

    /**
     * Appends a named child; a {@code null} block is skipped (as in DJL's {@code SequentialBlock}),
     * which keeps optional layers inline in a builder chain.
     *
     * @param name the child's name
     * @param block the child, or {@code null} for none
     * @return this block
     */
    public final ScopedSequentialBlock add(String name, Block block) {
        if (block != null) {
            addChildBlock(name, block);
        }
        return this;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList current = inputs;
        NDList sideOutputs = new NDList();
        for (Block child : children.values()) {
            NDList outputs = Scopes.run(
                    current,
                    array -> Scopes.isOneOf(array, inputs),
                    in -> child.forward(parameterStore, in, training, params));
            current = outputs.subNDList(0, 1);
            sideOutputs.addAll(outputs.subNDList(1));
        }
        return current.addAll(sideOutputs);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] shapes = inputShapes;
        for (Block child : children.values()) {
            child.initialize(manager, dataType, shapes);
            shapes = child.getOutputShapes(shapes);
        }
        outputShapes.remember(inputShapes, shapes);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Describes the main output only: side outputs exist only in training.
     */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return outputShapes.of(inputShapes, this::chainOutputShapes);
    }

    private Shape[] chainOutputShapes(Shape[] inputShapes) {
        Shape[] shapes = inputShapes;
        for (Block child : children.values()) {
            shapes = child.getOutputShapes(shapes);
        }
        return shapes;
    }
}
