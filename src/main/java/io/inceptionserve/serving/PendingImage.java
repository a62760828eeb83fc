package io.inceptionserve.serving;

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
}
