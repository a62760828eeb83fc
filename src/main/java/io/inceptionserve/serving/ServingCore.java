package io.inceptionserve.serving;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The serving core's entry point: loads models and runs prepared images through them, batched with
 * every other request's images. Nothing here knows HTTP or Spring; the {@code inference} package
 * adapts it.
 */
public final class ServingCore implements AutoCloseable {

    /** Beyond an image's deadline, time allowed for the forward pass it is already in. */
    static final Duration FORWARD_ALLOWANCE = Duration.ofSeconds(60);

    private final ServingMetrics metrics;
    private final ModelLoader loader;

    public ServingCore(ServingSettings settings, ServingMetrics metrics) {
        this.metrics = metrics;
        this.loader = new ModelLoader(settings, metrics);
    }

    /**
     * Starts loading and warming up {@code models} in the background; the future completes once
     * each is ready or failed. {@code beforeReady} runs once a model is warmed up, before it takes
     * requests.
     */
    public CompletableFuture<Void> load(Collection<ServedModel> models, Consumer<ServedModel> beforeReady) {
        return loader.loadAll(models, beforeReady);
    }

    /**
     * Retires a ready model version: from now on it takes no new hold (see
     * {@link ServedModel#hold}), and once the requests holding it have queued their images and
     * every queued image is answered, it is freed on a background thread. The future completes when
     * it is.
     */
    public CompletableFuture<Void> unload(ServedModel model) {
        // At once, so that the caller's answer (an unload endpoint's) already sees it not ready.
        model.stopHolds();
        CompletableFuture<Void> unloaded = new CompletableFuture<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        loader.unload(model);
                        unloaded.complete(null);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        unloaded.completeExceptionally(e);
                    } catch (RuntimeException e) {
                        unloaded.completeExceptionally(e);
                    }
                },
                "model-unloader-" + model.name() + "-" + model.version());
        thread.setDaemon(true);
        thread.start();
        return unloaded;
    }

    /**
     * Holds room in {@code model}'s queue for {@code images} about to be decoded, so that its
     * workers wait for them to fill a batch, and so that a request the queue cannot take is
     * refused before its images are decoded. Closing it gives the room back.
     *
     * @throws OverloadedException when the queue has no room for them
     */
    public Decoding admitForDecoding(ServedModel model, int images) {
        InferenceQueue queue = model.queue();
        if (!queue.hasRoomFor(images)) {
            throw queueFull(model, images);
        }
        queue.decoding(images);
        return () -> queue.decoded(images);
    }

    /** Room held in a model's queue while images are decoded; see {@link #admitForDecoding}. */
    @FunctionalInterface
    public interface Decoding extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Queues prepared images for {@code model}'s batching workers.
     *
     * @param model a ready model
     * @param images each prepared as the model's manifest says (channels-first, normalised)
     * @param deadlineNanos ({@link System#nanoTime()}) after which an image still waiting is
     *     answered {@link OverloadedException} without being computed
     * @return each image's scores, in order. It fails with the exception to report, never wrapped:
     *     {@link OverloadedException}, {@link InferenceException} (the forward pass failed, or none
     *     answered within a minute of the deadline). Cancelling it, or any failure, drops the images
     *     still waiting before their forward pass.
     * @throws NonFiniteInputException when an image holds NaN or an infinity
     * @throws OverloadedException when the queue has no room for them
     */
    public CompletableFuture<List<Scored>> submit(ServedModel model, List<float[]> images, long deadlineNanos) {
        NonFiniteInputException.check(images);
        long enqueued = System.nanoTime();
        List<PendingImage> pending = new ArrayList<>(images.size());
        images.forEach(pixels -> pending.add(new PendingImage(pixels, enqueued, deadlineNanos)));
        if (!model.queue().offer(pending)) {
            throw queueFull(model, pending.size());
        }
        CompletableFuture<?>[] rows = pending.stream().map(PendingImage::result).toArray(CompletableFuture[]::new);
        long timeoutNanos = Math.max(0, deadlineNanos - enqueued) + FORWARD_ALLOWANCE.toNanos();
        CompletableFuture<List<Scored>> scores = new CompletableFuture<>();
        CompletableFuture.allOf(rows)
                .orTimeout(timeoutNanos, TimeUnit.NANOSECONDS)
                .whenComplete((done, failure) -> {
                    if (failure == null) {
                        scores.complete(pending.stream()
                                .map(image -> image.result().join())
                                .toList());
                    } else {
                        scores.completeExceptionally(reported(failure, timeoutNanos));
                    }
                });
        scores.whenComplete((done, failure) -> {
            if (failure != null) {
                pending.forEach(image -> image.result().cancel(false));
            }
        });
        return scores;
    }

    private static Throwable reported(Throwable failure, long timeoutNanos) {
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof TimeoutException) {
            return new InferenceException(
                    "no forward pass answered within "
                            + Duration.ofNanos(timeoutNanos).toSeconds() + " s of the request's queueing",
                    cause);
        }
        return cause;
    }

    private OverloadedException queueFull(ServedModel model, int images) {
        metrics.queueFull(model.name(), images);
        InferenceQueue queue = model.queue();
        return new OverloadedException("model '" + model.name() + "' has " + queue.depth() + " images waiting and "
                + queue.onTheWay() + " being decoded, its queue is full; retry shortly");
    }

    /** Stops loading, then frees every model and the forward threads. */
    @Override
    public void close() {
        loader.close();
    }
}
