package io.inceptionserve.model.blocks;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/** The parameter-free layers both networks share, and their classifier head. */
public final class Layers {

    private Layers() {}

    public static Block maxPool(int kernel, int stride, int padding, boolean ceilMode) {
        return Pool.maxPool2dBlock(
                new Shape(kernel, kernel), new Shape(stride, stride), new Shape(padding, padding), ceilMode);
    }

    /** 3×3 stride-1 average pool that keeps H×W (zero padding counted, as PyTorch's default). */
    public static Block avgPool3x3Same() {
        return Pool.avgPool2dBlock(new Shape(3, 3), new Shape(1, 1), new Shape(1, 1));
    }

    /**
     * PyTorch's {@code adaptive_avg_pool2d} to {@code size}×{@code size}. DJL's API only has the
     * global (1×1) form; the network runs on the PyTorch engine only, so the engine's own call is
     * used directly.
     */
    public static Block adaptiveAvgPool(int size) {
        Shape outputSize = new Shape(size, size);
        return LambdaBlock.singleton(
                array -> JniUtils.adaptiveAvgPool((PtNDArray) array, outputSize), "adaptiveAvgPool2d");
    }

    /** Global average pool → dropout → linear, the head of both networks. */
    public static ScopedSequentialBlock classifierHead(float dropout, int numClasses) {
        return new ScopedSequentialBlock()
                .add("avgpool", Pool.globalAvgPool2dBlock())
                .add("dropout", Dropout.builder().optRate(dropout).build())
                .add("fc", Linear.builder().setUnits(numClasses).build());
    }
}
