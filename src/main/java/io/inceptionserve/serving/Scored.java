package io.inceptionserve.serving;

/**
 * What the forward pass gave one image.
 *
 * @param probabilities per class
 * @param device where it ran
 * @param batchSize images in its forward pass
 * @param queueNanos from joining the queue to the start of its forward pass
 * @param inferenceNanos the forward pass of its batch
 */
public record Scored(float[] probabilities, String device, int batchSize, long queueNanos, long inferenceNanos) {}
