package io.inceptionserve.inference;

import java.util.concurrent.CompletableFuture;

/**
 * A prepared image waiting in a model's queue for a forward pass.
 *
 * @param pixels the prepared tensor, channels-first
 * @param enqueuedNanos when it joined the queue ({@link System#nanoTime()})
 * @param deadlineNanos after this instant it is answered without being computed
 * @param result completed by the worker that runs (or drops) it
 */
record PendingImage(float[] pixels, long enqueuedNanos, long deadlineNanos, CompletableFuture<Scored> result) {

    PendingImage(float[] pixels, long enqueuedNanos, long deadlineNanos) {
        this(pixels, enqueuedNanos, deadlineNanos, new CompletableFuture<>());
    }

    boolean expired(long nowNanos) {
        return nowNanos - deadlineNanos > 0;
    }

    /**
     * What the forward pass gave one image.
     *
     * @param probabilities per class
     * @param device where it ran
     * @param batchSize images in its forward pass
     * @param queueNanos from joining the queue to the start of its forward pass
     * @param inferenceNanos the forward pass of its batch
     */
    record Scored(float[] probabilities, String device, int batchSize, long queueNanos, long inferenceNanos) {}
}
