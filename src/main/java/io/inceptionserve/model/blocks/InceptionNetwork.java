package io.inceptionserve.model.blocks;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A whole classification network (GoogLeNet, Inception-v2 or Inception-v3): a chain of
 * named stages, each run in its own scope.
 *
 * <p>Forward contract: input {@code NDList(x)}, x float32 N×C×H×W with C = {@link
 * #inputChannels()}. In inference the output is {@code NDList(logits)}, logits N×classes, and the
 * auxiliary classifiers are not evaluated. In training it is {@code NDList(logits, aux1[, aux2])}
 * when the network has auxiliary classifiers.
 */
public final class InceptionNetwork extends ScopedSequentialBlock {

    private final int inputChannels;
    private final int numClasses;
    private final Map<String, Block> stages;

    public InceptionNetwork(int inputChannels, int numClasses, Map<String, Block> stages) {
        this.inputChannels = inputChannels;
        this.numClasses = numClasses;
        this.stages = Collections.unmodifiableMap(new LinkedHashMap<>(stages));
        stages.forEach(this::add);
    }

    /**
     * Returns the number of input channels the network expects.
     *
     * @return the number of input channels
     */
    public int inputChannels() {
        return inputChannels;
    }

    /**
     * Returns the number of classes.
     *
     * @return the number of classes
     */
    public int numClasses() {
        return numClasses;
    }

    /**
     * Returns the stages in forward order, by name (e.g. stem, inception3, …, head): the children
     * of this block.
     *
     * @return the ordered, unmodifiable map of stages
     */
    public Map<String, Block> stages() {
        return stages;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        checkInputShape(inputs.singletonOrThrow().getShape());
        return super.forwardInternal(parameterStore, inputs, training, params);
    }

    /** {@inheritDoc} */
    @Override
    protected void beforeInitialize(Shape... inputShapes) {
        checkInputShape(inputShapes[0]);
        super.beforeInitialize(inputShapes);
    }

    /** Fails fast, with the expected layout, instead of deep inside the first convolution. */
    private void checkInputShape(Shape shape) {
        if (shape.dimension() != 4 || shape.get(1) != inputChannels) {
            throw new IllegalArgumentException("Expected input N×" + inputChannels + "×H×W, got " + shape);
        }
    }
}
