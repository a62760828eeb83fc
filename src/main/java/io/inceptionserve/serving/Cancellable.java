package io.inceptionserve.serving;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** Answers whose cancellation reaches back: a client going away cancels the work its answer waits for. */
public final class Cancellable {

    private Cancellable() {}

    /**
     * {@code source.thenApply(step)}, but cancelling the result cancels {@code source} too, which a
     * plain {@code thenApply} does not.
     */
    public static <S, T> CompletableFuture<T> thenApply(
            CompletableFuture<S> source, Function<? super S, ? extends T> step) {
        CompletableFuture<T> result = source.thenApply(step);
        result.whenComplete((value, failure) -> {
            if (result.isCancelled()) {
                source.cancel(false);
            }
        });
        return result;
    }
}
