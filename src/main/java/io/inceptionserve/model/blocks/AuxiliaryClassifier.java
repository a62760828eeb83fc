package io.inceptionserve.model.blocks;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * An auxiliary classifier placed in the trunk between two modules. GoogLeNet's and Inception-v2's
 * (torchvision's {@code InceptionAux} in googlenet.py) is adaptive average pool to {@code
 * poolSize}² → conv 1×1, 128 → flatten → linear 1024 → ReLU → dropout 0.7 → linear to the classes;
 * Inception-v3's is a subclass with its own layers.
 *
 * <p>It passes the trunk activation on unchanged. In training it also returns its logits as a side
 * output, which {@link ScopedSequentialBlock} carries to the end of the network; in inference it
 * evaluates nothing at all. {@link #getOutputShapes} therefore describes the pass-through.
 */
public class AuxiliaryClassifier extends ScopedSequentialBlock {

    private static final int CONV_FILTERS = 128;
    private static final int HIDDEN_UNITS = 1024;
    private static final float DROPOUT = 0.7f;

    /** Creates an auxiliary classifier without layers, for a subclass that adds other ones. */
    protected AuxiliaryClassifier() {}

    /**
     * Creates an auxiliary classifier.
     *
     * @param conv how its 1×1 convolution is built (with or without BatchNorm)
     * @param poolSize the side the input is pooled to (4 in GoogLeNet, 5 in Inception-v2)
     * @param numClasses the number of classes
     */
    public AuxiliaryClassifier(BasicConv2d conv, int poolSize, int numClasses) {
        add("avgpool", Layers.adaptiveAvgPool(poolSize));
        add("conv", conv.same(CONV_FILTERS, 1, 1));
        add("flatten", Blocks.batchFlattenBlock());
        add("fc1", Linear.builder().setUnits(HIDDEN_UNITS).build());
        add("relu", Activation.reluBlock());
        add("dropout", Dropout.builder().optRate(DROPOUT).build());
        add("fc2", Linear.builder().setUnits(numClasses).build());
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        if (!training) {
            return inputs;
        }
        NDList logits = super.forwardInternal(parameterStore, inputs, true, params);
        return new NDList(inputs.singletonOrThrow(), logits.singletonOrThrow());
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
