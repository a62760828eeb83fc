package io.inceptionserve.model.inferenceform;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * An inference-only 2-D convolution with bias whose weight and bias are given, not learned: a
 * trained convolution with the eval-mode BatchNorm that followed it folded in (see {@link
 * InferenceForm}). Its parameters do not require gradients.
 */
public final class FoldedConv2d extends AbstractBlock {

    private static final byte VERSION = 1;

    private final Parameter weight;
    private final Parameter bias;
    private final Shape stride;
    private final Shape padding;
    private final Shape dilation;
    private final int groups;

    /**
     * Creates the convolution; stride, padding, dilation and groups are the trained one's.
     *
     * @param weight filters × (in / groups) × kh × kw
     * @param bias one value per filter
     * @param stride the stride
     * @param padding the zero padding
     * @param dilation the dilation
     * @param groups the number of groups
     */
    FoldedConv2d(NDArray weight, NDArray bias, Shape stride, Shape padding, Shape dilation, int groups) {
        super(VERSION);
        this.weight = addParameter(fixed("weight", Parameter.Type.WEIGHT, weight));
        this.bias = addParameter(fixed("bias", Parameter.Type.BIAS, bias));
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
    }

    private static Parameter fixed(String name, Parameter.Type type, NDArray array) {
        return Parameter.builder()
                .setName(name)
                .setType(type)
                .optArray(array)
                .optRequiresGrad(false)
                .build();
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray input = inputs.singletonOrThrow();
        Device device = input.getDevice();
        return Conv2d.conv2d(
                input,
                parameterStore.getValue(weight, device, training),
                parameterStore.getValue(bias, device, training),
                stride,
                padding,
                dilation,
                groups);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape input = inputShapes[0];
        Shape kernel = weight.getArray().getShape();
        long[] dims = {input.get(0), kernel.get(0), 0, 0};
        for (int axis = 0; axis < 2; axis++) {
            long span = dilation.get(axis) * (kernel.get(2 + axis) - 1) + 1;
            dims[2 + axis] = (input.get(2 + axis) + 2 * padding.get(axis) - span) / stride.get(axis) + 1;
        }
        return new Shape[] {new Shape(dims)};
    }
}
