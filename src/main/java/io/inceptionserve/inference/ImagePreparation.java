package io.inceptionserve.inference;

import io.inceptionserve.image.ImageInput;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.image.ImageSize;
import io.inceptionserve.image.InvalidImageException;
import io.inceptionserve.image.PixelBudget;
import io.inceptionserve.observability.InferenceMetrics;
import io.inceptionserve.observability.InferenceTracing;
import io.inceptionserve.serving.ModelUnavailableException;
import io.inceptionserve.serving.OverloadedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decodes and prepares a request's images on a pool of its own, off the request and forward
 * threads, within a budget of pixels decoded at once across all requests.
 */
final class ImagePreparation implements AutoCloseable {

    private final ExecutorService pool;
    private final long maxImagePixels;
    private final PixelBudget pixelBudget;
    private final InferenceMetrics metrics;
    private final InferenceTracing tracing;

    ImagePreparation(int threads, DecodeLimits limits, InferenceMetrics metrics, InferenceTracing tracing) {
        this.metrics = metrics;
        this.tracing = tracing;
        this.maxImagePixels = limits.maxImagePixels();
        this.pixelBudget = new PixelBudget(limits.budgetPixels());
        AtomicInteger count = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "preprocess-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Decodes and prepares the images, in parallel when there are several. An image over the pixel
     * limit is refused 413 at once. Each image first takes its declared pixels from the budget, here on the request's thread, so that an image waiting
     * for room holds no decoding thread; past {@code deadlineNanos} the request is refused 503 and
     * its images not yet started are skipped.
     *
     * @param preprocessNanos filled with each image's preparation time
     */
    List<float[]> prepareAll(
            String model,
            ImagePreprocessor preprocessor,
            List<? extends ImageInput> images,
            long deadlineNanos,
            long[] preprocessNanos) {
        InferenceTracing.Trace trace = tracing.current();
        AtomicBoolean abandoned = new AtomicBoolean();
        List<CompletableFuture<float[]>> futures = new ArrayList<>(images.size());
        try {
            for (int i = 0; i < images.size(); i++) {
                int index = i;
                long pixels = takeDecodingRoom(images.get(index), index, images.size(), deadlineNanos);
                futures.add(CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                if (abandoned.get()) {
                                    return null;
                                }
                                long start = System.nanoTime();
                                float[] prepared = tracing.inSpan(
                                        trace,
                                        "decode",
                                        () -> prepare(preprocessor, images.get(index), index, images.size()));
                                preprocessNanos[index] = System.nanoTime() - start;
                                metrics.recordPreprocess(model, preprocessNanos[index]);
                                return prepared;
                            } finally {
                                pixelBudget.release(pixels);
                            }
                        },
                        pool));
            }
            List<float[]> prepared = new ArrayList<>(images.size());
            for (CompletableFuture<float[]> future : futures) {
                prepared.add(join(future));
            }
            return prepared;
        } catch (RuntimeException e) {
            abandoned.set(true);
            throw e;
        }
    }

    /**
     * Refuses an image that could never be decoded (413, before any wait: a retry would not help),
     * else waits for room to decode it in the pixel budget; 503 once the deadline passes.
     */
    private long takeDecodingRoom(ImageInput image, int index, int count, long deadlineNanos) {
        ImageSize size = image.size();
        long pixels = size == null ? 1 : size.pixels();
        if (pixels > maxImagePixels) {
            InvalidImageException tooLarge = size.tooLarge(maxImagePixels);
            throw new InvalidImageException(
                    tooLarge.reason(), image.describe(index, count) + ": " + tooLarge.getMessage());
        }
        if (System.nanoTime() - deadlineNanos >= 0) {
            throw new OverloadedException("the request is past the request deadline before its images could be decoded,"
                    + " and was not computed; retry shortly");
        }
        try {
            if (!pixelBudget.acquire(pixels, deadlineNanos)) {
                throw new OverloadedException("the service is decoding as many pixels as it holds at once ("
                        + pixelBudget.totalPixels() + "), and no room for this request's " + pixels
                        + "-pixel image came before its deadline; retry shortly");
            }
            return pixels;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelUnavailableException("the service is shutting down", true);
        }
    }

    private static float[] join(CompletableFuture<float[]> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelUnavailableException("the service is shutting down", true);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e.getCause());
        }
    }

    private static float[] prepare(ImagePreprocessor preprocessor, ImageInput image, int index, int count) {
        try {
            return image.prepare(preprocessor);
        } catch (InvalidImageException e) {
            throw new InvalidImageException(e.reason(), image.describe(index, count) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
