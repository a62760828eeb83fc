package io.inceptionserve.inference;

import java.util.List;

/**
 * The answer to one classification request.
 *
 * @param model the model's name
 * @param architecture its network
 * @param device where the forward pass ran
 * @param trained false when the model has no trained weights and its answers are noise
 * @param images one result per uploaded image, in upload order
 */
public record Classification(
        String model, String architecture, String device, boolean trained, List<ImageResult> images) {

    /**
     * @param filename the client's file name
     * @param predictions the top-k classes, most probable first
     * @param queueMs wait in the model's queue before its forward pass
     * @param preprocessMs decoding and preparing this image
     * @param inferenceMs the forward pass of the batch this image was in
     * @param batchSize images in that forward pass, from this and other requests
     */
    public record ImageResult(
            String filename,
            List<Prediction> predictions,
            double queueMs,
            double preprocessMs,
            double inferenceMs,
            int batchSize) {}

    /**
     * @param label the class name
     * @param classIndex the class's index in the model's labels
     * @param probability softmax probability in [0, 1]
     */
    public record Prediction(String label, int classIndex, double probability) {}
}
