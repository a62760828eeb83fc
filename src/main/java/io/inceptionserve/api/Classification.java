package io.inceptionserve.api;

import io.inceptionserve.inference.ClassifiedImages;
import io.inceptionserve.inference.TopClasses;
import io.inceptionserve.serving.Scored;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The answer to one {@code /classify} request.
 *
 * @param model the model's name
 * @param architecture its network
 * @param device where the forward pass ran
 * @param trained false when the model has no trained weights and its answers are noise
 * @param images one result per uploaded image, in upload order
 */
public record Classification(
        String model, String architecture, String device, boolean trained, List<ImageResult> images) {

    static Classification of(ClassifiedImages classified) {
        List<String> labels = classified.model().artifact().labels();
        List<ImageResult> images = new ArrayList<>(classified.images().size());
        for (ClassifiedImages.Image image : classified.images()) {
            Scored scores = image.scores();
            images.add(new ImageResult(
                    image.name(),
                    Prediction.topK(scores.probabilities(), labels, classified.topK()),
                    millis(scores.queueNanos()),
                    millis(image.preprocessNanos()),
                    millis(scores.inferenceNanos()),
                    scores.batchSize()));
        }
        return new Classification(
                classified.model().name(),
                classified.architecture(),
                classified.device(),
                classified.model().trained(),
                images);
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }

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
    public record Prediction(String label, int classIndex, double probability) {

        /**
         * Picks the k most probable classes.
         *
         * @param probabilities every class's probability, in class-index order
         * @param labels the class names, in the same order
         * @param k how many to keep
         * @return the top k, most probable first
         */
        static List<Prediction> topK(float[] probabilities, List<String> labels, int k) {
            return Arrays.stream(TopClasses.of(probabilities, k))
                    .mapToObj(c -> new Prediction(labels.get(c), c, probabilities[c]))
                    .toList();
        }
    }
}
