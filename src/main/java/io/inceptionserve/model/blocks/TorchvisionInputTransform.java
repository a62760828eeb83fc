package io.inceptionserve.model.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * torchvision's {@code transform_input} (googlenet.py, inception.py), which its pretrained
 * GoogLeNet and Inception-v3 switch on: their weights come from Google's training on pixels scaled
 * to [−1, 1], while torchvision feeds every ImageNet model pixels normalised with the ImageNet
 * mean and std. The transform turns the one into the other, per channel: {@code x · std / 0.5 +
 * (mean − 0.5) / 0.5}.
 */
public final class TorchvisionInputTransform {

    private static final double[] IMAGENET_MEAN = {0.485, 0.456, 0.406};
    private static final double[] IMAGENET_STD = {0.229, 0.224, 0.225};

    /** The stage's name: the first stage of a network that has it. */
    public static final String STAGE = "transformInput";

    private static final Shape PER_CHANNEL = new Shape(1, 3, 1, 1);

    private TorchvisionInputTransform() {}

    /**
     * Returns the ImageNet per-channel mean (RGB) of torchvision's preprocessing.
     *
     * @return 0.485, 0.456, 0.406
     */
    public static float[] imagenetMean() {
        return toFloats(IMAGENET_MEAN);
    }

    /**
     * Returns the ImageNet per-channel standard deviation (RGB) of torchvision's preprocessing.
     *
     * @return 0.229, 0.224, 0.225
     */
    public static float[] imagenetStd() {
        return toFloats(IMAGENET_STD);
    }

    /**
     * Returns {@code network} with the transform as its first stage. It has no parameters, but it
     * moves the other stages one position on, which DJL's parameter names record ({@code
     * 01stem_…} becomes {@code 02stem_…}): weights saved with it load only into a network with it.
     *
     * @param network an RGB network, whose stages the result takes over
     * @return the network with the transform in front
     * @throws IllegalArgumentException if the network does not take 3 channels
     */
    public static InceptionNetwork prepend(InceptionNetwork network) {
        if (network.inputChannels() != IMAGENET_MEAN.length) {
            throw new IllegalArgumentException("torchvision's input transform is for RGB input, the network takes "
                    + network.inputChannels()
                    + " channels");
        }
        Map<String, Block> stages = new LinkedHashMap<>();
        stages.put(STAGE, block());
        stages.putAll(network.stages());
        return new InceptionNetwork(network.inputChannels(), network.numClasses(), stages);
    }

    private static Block block() {
        float[] scale = new float[IMAGENET_MEAN.length];
        float[] shift = new float[IMAGENET_MEAN.length];
        for (int c = 0; c < scale.length; c++) {
            // Rounded to float once, like torchvision's Python scalars.
            scale[c] = (float) (IMAGENET_STD[c] / 0.5);
            shift[c] = (float) ((IMAGENET_MEAN[c] - 0.5) / 0.5);
        }
        return LambdaBlock.singleton(
                x -> {
                    NDArray scales = x.getManager().create(scale, PER_CHANNEL);
                    NDArray shifts = x.getManager().create(shift, PER_CHANNEL);
                    return x.mul(scales).add(shifts);
                },
                STAGE);
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }
}
