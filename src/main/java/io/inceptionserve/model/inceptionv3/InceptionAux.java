package io.inceptionserve.model.inceptionv3;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import io.inceptionserve.model.blocks.AuxiliaryClassifier;

/**
 * torchvision's {@code InceptionAux} (AuxLogits, on Mixed_6e's output): avg pool 5×5/3 → conv0
 * 1×1 → conv1 5×5 → global avg pool → fc. Unlike GoogLeNet's auxiliary classifier it has no hidden
 * linear layer and no dropout, and its pool needs the 17×17 grid of a 299 px input.
 */
public final class InceptionAux extends AuxiliaryClassifier {

    private static final int CONV0_FILTERS = 128;
    private static final int CONV1_FILTERS = 768;

    /**
     * Builds the head.
     *
     * @param numClasses the number of classes
     */
    public InceptionAux(int numClasses) {
        add("avgpool", Pool.avgPool2dBlock(new Shape(5, 5), new Shape(3, 3)));
        add("conv0", WITH_BATCH_NORM.same(CONV0_FILTERS, 1, 1));
        add("conv1", WITH_BATCH_NORM.of(CONV1_FILTERS, 5, 1, 0));
        add("globalpool", Pool.globalAvgPool2dBlock());
        add("fc", Linear.builder().setUnits(numClasses).build());
    }
}
