package io.inceptionserve.model.blocks;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;

/**
 * Makes torchvision's {@code BasicConv2d}: conv → BatchNorm → ReLU, or conv (with bias) → ReLU
 * when {@code batchNorm} is off (the 2014 paper's network). The children are named {@code conv},
 * {@code bn} and {@code relu}, so the parameters line up with torchvision's {@code conv.weight},
 * {@code bn.weight}, … keys.
 *
 * @param batchNorm whether each convolution is followed by BatchNorm
 */
public record BasicConv2d(boolean batchNorm) {

    /** Every convolution of Inception-v2 and GoogLeNet-BN. */
    public static final BasicConv2d WITH_BATCH_NORM = new BasicConv2d(true);

    /** torchvision's {@code BatchNorm2d(eps=0.001)}; DJL's default momentum 0.9 is its 0.1. */
    private static final float BATCH_NORM_EPSILON = 1e-3f;

    /**
     * A square convolution.
     *
     * @param filters output channels
     * @param kernel kernel side
     * @param stride stride in both directions
     * @param padding zero padding on every side
     * @return the conv unit
     */
    public ScopedSequentialBlock of(int filters, int kernel, int stride, int padding) {
        return build(filters, new Shape(kernel, kernel), new Shape(stride, stride), new Shape(padding, padding));
    }

    /**
     * A stride-1 convolution padded to keep the height and width, for odd kernel sides: 1×1, 3×3,
     * 5×5 and the factorised 1×n / n×1 kernels.
     *
     * @param filters output channels
     * @param kernelHeight kernel height (odd)
     * @param kernelWidth kernel width (odd)
     * @return the conv unit
     */
    public ScopedSequentialBlock same(int filters, int kernelHeight, int kernelWidth) {
        return build(
                filters,
                new Shape(kernelHeight, kernelWidth),
                new Shape(1, 1),
                new Shape(kernelHeight / 2, kernelWidth / 2));
    }

    private ScopedSequentialBlock build(int filters, Shape kernel, Shape stride, Shape padding) {
        BatchNorm bn =
                batchNorm ? BatchNorm.builder().optEpsilon(BATCH_NORM_EPSILON).build() : null;
        return new ScopedSequentialBlock()
                .add(
                        "conv",
                        Conv2d.builder()
                                .setFilters(filters)
                                .setKernelShape(kernel)
                                .optStride(stride)
                                .optPadding(padding)
                                // BatchNorm's beta makes a conv bias redundant.
                                .optBias(!batchNorm)
                                .build())
                .add("bn", bn)
                .add("relu", Activation.reluBlock());
    }
}
