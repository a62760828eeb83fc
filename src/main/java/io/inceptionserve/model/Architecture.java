package io.inceptionserve.model;

import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.googlenet.GoogLeNet;
import io.inceptionserve.model.inceptionv2.InceptionV2;
import io.inceptionserve.model.inceptionv3.InceptionV3;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The networks the service can hold, by the id used in configuration and model artifacts. */
public enum Architecture {

    /** GoogLeNet as in "Going Deeper with Convolutions", Table 1: conv biases, no BatchNorm, 5×5 third branch. */
    GOOGLENET("googlenet", 224, 31),

    /**
     * GoogLeNet-BN: GoogLeNet's topology with conv → BatchNorm → ReLU everywhere, with torchvision's 3×3 third branch
     * and 2×2 maxpool4 rather than the paper's 5×5 and 3×3. That makes its topology torchvision's
     * {@code googlenet}, so the public ImageNet weights import one to one (6,624,904 parameters
     * without aux heads).
     */
    GOOGLENET_BN("googlenet-bn", 224, 15),

    /** Inception-v2, "Rethinking the Inception Architecture for Computer Vision", Table 1. */
    INCEPTION_V2("inception-v2", 299, 73),

    /**
     * Inception-v3 with torchvision's {@code Inception3} topology and parameter names, so its
     * ImageNet weights import one to one.
     */
    INCEPTION_V3("inception-v3", 299, 75);

    private final String id;
    private final int defaultInputSize;
    private final int minInputSize;

    Architecture(String id, int defaultInputSize, int minInputSize) {
        this.id = id;
        this.defaultInputSize = defaultInputSize;
        this.minInputSize = minInputSize;
    }

    /**
     * Returns the id used in configuration and model artifacts.
     *
     * @return the id, e.g. "googlenet-bn"
     */
    public String id() {
        return id;
    }

    /**
     * Looks an architecture up by id.
     *
     * @param id the id
     * @return the architecture
     * @throws IllegalArgumentException if no architecture has that id
     */
    public static Architecture fromId(String id) {
        return Arrays.stream(values())
                .filter(architecture -> architecture.id.equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unknown architecture '"
                        + id
                        + "'; valid ids: "
                        + Arrays.stream(values()).map(Architecture::id).collect(Collectors.joining(", "))));
    }

    /**
     * Builds an untrained network with the default dropout.
     *
     * @param numClasses the number of classes
     * @param inputChannels the number of input channels
     * @param withAux whether to add the auxiliary classifiers (used in training only)
     * @return the network
     */
    public InceptionNetwork build(int numClasses, int inputChannels, boolean withAux) {
        return switch (this) {
            case GOOGLENET, GOOGLENET_BN ->
                GoogLeNet.builder()
                        .setNumClasses(numClasses)
                        .optInputChannels(inputChannels)
                        .optBatchNorm(this == GOOGLENET_BN)
                        .optThirdBranchKernel(this == GOOGLENET_BN ? 3 : 5)
                        .optMaxPool4Kernel(this == GOOGLENET_BN ? 2 : 3)
                        .optAuxHeads(withAux)
                        .build();
            case INCEPTION_V2 ->
                InceptionV2.builder()
                        .setNumClasses(numClasses)
                        .optInputChannels(inputChannels)
                        .optAuxHeads(withAux)
                        .build();
            case INCEPTION_V3 ->
                InceptionV3.builder()
                        .setNumClasses(numClasses)
                        .optInputChannels(inputChannels)
                        .optAuxHeads(withAux)
                        .build();
        };
    }

    /**
     * Returns the input side the network was designed for.
     *
     * @return 224 or 299
     */
    public int defaultInputSize() {
        return defaultInputSize;
    }

    /**
     * Returns the smallest square input side the network accepts in inference (measured, and
     * checked by the tests): one pixel less and a pooling window or stride-2 convolution runs out
     * of input (GoogLeNet: maxpool4 on 1×1; GoogLeNet-BN, whose maxpool4 is 2×2: maxpool3 on 1×1;
     * Inception-v2: 5e's 3×3/2 on 2×2; Inception-v3: Mixed_7a's 3×3/2 on 2×2). Training with
     * BatchNorm at this size also needs a batch of at least 2, as the last stages are 1×1.
     *
     * @return the side in pixels
     */
    public int minInputSize() {
        return minInputSize;
    }
}
