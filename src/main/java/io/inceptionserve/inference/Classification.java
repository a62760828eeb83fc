package io.inceptionserve.inference;

import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

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
    public record Prediction(String label, int classIndex, double probability) {

        /**
         * Picks the k most probable classes.
         *
         * @param probabilities every class's probability, in class-index order
         * @param labels the class names, in the same order
         * @param k how many to keep
         * @return the top k, most probable first
         */
        public static List<Prediction> topK(float[] probabilities, List<String> labels, int k) {
            return IntStream.range(0, probabilities.length)
                    .boxed()
                    .sorted(Comparator.comparingDouble((Integer c) -> probabilities[c])
                            .reversed())
                    .limit(k)
                    .map(c -> new Prediction(labels.get(c), c, probabilities[c]))
                    .toList();
        }
    }
}
