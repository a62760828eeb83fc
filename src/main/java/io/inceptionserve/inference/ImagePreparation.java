package io.inceptionserve.inference;

import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.image.ImageUpload;
import io.inceptionserve.image.InvalidImageException;
import io.inceptionserve.image.PixelBudget;
import io.inceptionserve.observability.InferenceMetrics;
import io.inceptionserve.observability.InferenceTracing;
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

    /** Peak heap per pixel while an image is decoded and prepared (see {@link #decodingBudget}). */
    private static final long BYTES_PER_DECODED_PIXEL = 12;

    private final ExecutorService pool;
    private final PixelBudget pixelBudget;
    private final InferenceMetrics metrics;
    private final InferenceTracing tracing;

    ImagePreparation(int threads, long configuredBudget, InferenceMetrics metrics, InferenceTracing tracing) {
        this.metrics = metrics;
        this.tracing = tracing;
        this.pixelBudget = new PixelBudget(decodingBudget(configuredBudget));
        AtomicInteger count = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "preprocess-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * The configured pixel budget, or when 0 a quarter of the maximum heap at 12 bytes a pixel: a
     * decoded raster takes 3 to 4 bytes a pixel, and colour conversion and orientation each copy it.
     */
    static long decodingBudget(long configured) {
        return configured > 0 ? configured : Runtime.getRuntime().maxMemory() / 4 / BYTES_PER_DECODED_PIXEL;
    }

    /**
     * Decodes and prepares the images, in parallel when there are several. Each image first takes
     * its declared pixels from the budget, here on the request's thread, so that an image waiting
     * for room holds no decoding thread; past {@code deadlineNanos} the request is refused 503 and
     * its images not yet started are skipped.
     *
     * @param preprocessNanos filled with each image's preparation time
     */
    List<float[]> prepareAll(
            String model,
            ImagePreprocessor preprocessor,
            List<ImageUpload> images,
            long deadlineNanos,
            long[] preprocessNanos) {
        InferenceTracing.Trace trace = tracing.current();
        AtomicBoolean abandoned = new AtomicBoolean();
        List<CompletableFuture<float[]>> futures = new ArrayList<>(images.size());
        try {
            for (int i = 0; i < images.size(); i++) {
                int index = i;
                long pixels = takeDecodingRoom(images.get(index), deadlineNanos);
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

    /** Waits for room to decode {@code image} in the pixel budget; 503 once the deadline passes. */
    private long takeDecodingRoom(ImageUpload image, long deadlineNanos) {
        long pixels = PixelBudget.declaredPixels(image.bytes());
        if (System.nanoTime() - deadlineNanos >= 0) {
            throw new OverloadedException("the request is past the request deadline before its images could be decoded,"
                    + " and was not computed; retry shortly");
        }
        try {
            long taken = pixelBudget.acquire(pixels, deadlineNanos);
            if (taken == 0) {
                throw new OverloadedException("the service is decoding as many pixels as it holds at once ("
                        + pixelBudget.totalPixels() + "), and no room for this request's " + pixels
                        + "-pixel image came before its deadline; retry shortly");
            }
            return taken;
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

    private static float[] prepare(ImagePreprocessor preprocessor, ImageUpload image, int index, int count) {
        try {
            return preprocessor.prepare(image.bytes());
        } catch (InvalidImageException e) {
            throw new InvalidImageException(e.reason(), image.describe(index, count) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
