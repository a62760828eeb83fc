package io.inceptionserve.inference;

import io.inceptionserve.serving.Scored;
import io.inceptionserve.serving.ServedModel;
import java.util.List;

/**
 * What a model made of one request's images.
 *
 * @param model the model that computed them
 * @param topK how many classes per image the request asked for
 * @param images one per image, in the request's order
 */
public record ClassifiedImages(ServedModel model, int topK, List<Image> images) {

    /**
     * @param name how the request named the image (a file name, a tensor element)
     * @param preprocessNanos decoding and preparing it; 0 when the client sent it prepared
     * @param scores its probabilities and where and how long it was computed
     */
    public record Image(String name, long preprocessNanos, Scored scores) {}

    /** The model's network, as its manifest names it. */
    public String architecture() {
        return model.artifact().architecture().id();
    }

    /** Where the first image's forward pass ran. */
    public String device() {
        return images.get(0).scores().device();
    }
}
