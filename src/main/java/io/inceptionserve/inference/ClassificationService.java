package io.inceptionserve.inference;

import ai.djl.ndarray.types.Shape;
import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.image.ImageUpload;
import io.inceptionserve.image.InvalidImageException;
import io.inceptionserve.image.PixelBudget;
import io.inceptionserve.inference.Classification.ImageResult;
import io.inceptionserve.inference.Classification.Prediction;
import io.inceptionserve.inference.PendingImage.Scored;
import io.inceptionserve.observability.InferenceMetrics;
import io.inceptionserve.observability.InferenceMetrics.InFlight;
import io.inceptionserve.observability.InferenceMetrics.Outcome;
import io.inceptionserve.observability.InferenceTracing;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Service;

/**
 * Classifies uploaded images with a served model: prepare them in parallel, queue them for the
 * model's batching workers, wait for each image's row, take the top-k.
 */
@Service
public class ClassificationService {

    /** Beyond the queue deadline, time allowed for the forward pass an image is already in. */
    private static final Duration FORWARD_ALLOWANCE = Duration.ofSeconds(60);

    /** Peak heap per pixel while an image is decoded and prepared (see {@link #decodingBudget}). */
    private static final long BYTES_PER_DECODED_PIXEL = 12;

    private final ModelRegistry registry;
    private final InferenceMetrics metrics;
    private final InferenceTracing tracing;
    private final int defaultTopK;
    private final Duration requestTimeout;
    private final ExecutorService preprocessPool;
    private final PixelBudget pixelBudget;

    public ClassificationService(
            ModelRegistry registry,
            InferenceMetrics metrics,
            InferenceTracing tracing,
            InceptionProperties properties) {
        this.registry = registry;
        this.metrics = metrics;
        this.tracing = tracing;
        this.defaultTopK = properties.inference().defaultTopK();
        this.requestTimeout = properties.inference().requestTimeout();
        this.pixelBudget =
                new PixelBudget(decodingBudget(properties.reliability().decodePixelBudget()));
        int threads = properties.inference().preprocessThreads();
        CustomizableThreadFactory threadFactory = new CustomizableThreadFactory("preprocess-");
        threadFactory.setDaemon(true);
        this.preprocessPool = Executors.newFixedThreadPool(
                threads > 0 ? threads : Runtime.getRuntime().availableProcessors(), threadFactory);
    }

    /**
     * The configured pixel budget, or when 0 a quarter of the maximum heap at 12 bytes a pixel: a
     * decoded raster takes 3 to 4 bytes a pixel, and colour conversion and orientation each copy it.
     */
    static long decodingBudget(long configured) {
        return configured > 0 ? configured : Runtime.getRuntime().maxMemory() / 4 / BYTES_PER_DECODED_PIXEL;
    }

    /**
     * Classifies images, answering once the forward passes are done: the images are decoded and
     * queued before it returns. Cancelling the returned future (the client went away) drops the
     * request's images still in the queue before their forward pass.
     *
     * @param modelName a served model, or {@code null} for the default one
     * @param requestedTopK predictions per image, 1 to the model's number of classes; {@code null}
     *     for the configured default
     * @param deadlineNanos when the request runs out of time ({@link System#nanoTime()}), fixed on
     *     its arrival so that reading and decoding count against it
     */
    public CompletableFuture<Classification> classifyAsync(
            String modelName, List<ImageUpload> images, Integer requestedTopK, long deadlineNanos) {
        return measured(modelName == null ? registry.defaultModel() : modelName, images.size(), model -> {
            int classes = model.artifact().labels().size();
            int topK = requestedTopK == null ? Math.min(defaultTopK, classes) : requestedTopK;
            if (topK < 1 || topK > classes) {
                throw new InvalidRequestException("topK must be between 1 and " + classes + " (the classes of '"
                        + model.name() + "'), was " + topK);
            }
            return run(model, images, topK, deadlineNanos);
        });
    }

    /**
     * Runs images that the caller has already prepared the way the model's manifest says
     * (resized, normalised, channels-first) through the model, batched with other requests.
     *
     * @param batch shaped {@code (N, channels, size, size)} as the model's manifest gives them
     * @param deadlineNanos when the request runs out of time, as for {@link #classifyAsync}
     * @return per image, every class's probability in class-index order, once computed;
     *     cancelling it drops the images still queued, as {@link #classifyAsync} does
     */
    public CompletableFuture<float[][]> probabilitiesAsync(String modelName, ImageBatch batch, long deadlineNanos) {
        return measured(modelName, batch.count(), model -> {
            var input = model.artifact().manifest().input();
            long[] expected = {batch.count(), input.channels(), input.size(), input.size()};
            if (!Arrays.equals(batch.shape(), expected) || batch.count() < 1) {
                throw new InvalidRequestException("'" + model.name() + "' takes prepared images shaped (N, "
                        + input.channels() + ", " + input.size() + ", " + input.size() + ") with N >= 1; the batch is "
                        + new Shape(batch.shape()));
            }
            int length = batch.pixels().length / batch.count();
            List<float[]> images = new ArrayList<>(batch.count());
            for (int i = 0; i < batch.count(); i++) {
                images.add(Arrays.copyOfRange(batch.pixels(), i * length, (i + 1) * length));
            }
            return Cancellable.thenApply(
                    score(model, images, deadlineNanos),
                    scores -> scores.stream().map(Scored::probabilities).toArray(float[][]::new));
        });
    }

    /**
     * Runs a request's work on the named model under the in-flight gauge and records how it
     * ended, refusals for an unknown, loading or failed model included.
     */
    private <T> CompletableFuture<T> measured(
            String modelName, int images, Function<ServedModel, CompletableFuture<T>> work) {
        InFlight request =
                metrics.start(registry.find(modelName).isPresent() ? modelName : InferenceMetrics.UNKNOWN_MODEL);
        // The answer may complete on a worker thread: its latency sample keeps the request's trace.
        InferenceTracing.Trace trace = tracing.current();
        CompletableFuture<T> result;
        try {
            result = work.apply(readyModel(modelName));
        } catch (RuntimeException e) {
            request.end(outcomeOf(e), images);
            throw e;
        }
        result.whenComplete((value, failure) -> tracing.within(
                trace, () -> request.end(failure == null ? Outcome.SUCCESS : outcomeOf(failure), images)));
        return result;
    }

    private static Outcome outcomeOf(Throwable failure) {
        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        if (cause instanceof ModelNotFoundException) {
            return Outcome.NOT_FOUND;
        }
        if (cause instanceof InvalidImageException
                || cause instanceof InvalidRequestException
                || cause instanceof CancellationException) {
            return Outcome.CLIENT_ERROR;
        }
        if (cause instanceof OverloadedException || cause instanceof ModelUnavailableException) {
            return Outcome.UNAVAILABLE;
        }
        return Outcome.SERVER_ERROR;
    }

    private ServedModel readyModel(String name) {
        ServedModel model = registry.require(name);
        return switch (model.status()) {
            case READY -> model;
            case FAILED ->
                throw new ModelUnavailableException("model '" + name + "' failed to load: " + model.failure(), false);
            case LOADING, WARMING_UP ->
                throw new ModelUnavailableException(
                        "model '" + name + "' is still "
                                + model.status()
                                        .name()
                                        .toLowerCase(java.util.Locale.ROOT)
                                        .replace('_', ' '),
                        true);
        };
    }

    private CompletableFuture<Classification> run(
            ServedModel model, List<ImageUpload> images, int topK, long deadline) {
        // Refused before decoding too: under overload, decoding what the queue cannot take would
        // only steal the cores from the forward passes.
        if (!model.queue().hasRoomFor(images.size())) {
            throw queueFull(model, images.size());
        }
        long[] preprocessNanos = new long[images.size()];
        List<float[]> prepared;
        model.queue().decoding(images.size());
        try {
            prepared = prepareAll(model, images, preprocessNanos, deadline);
        } finally {
            model.queue().decoded(images.size());
        }
        InferenceTracing.Trace trace = tracing.current();
        return Cancellable.thenApply(
                score(model, prepared, deadline),
                scores -> tracing.inSpan(
                        trace, "answer", () -> classification(model, images, topK, preprocessNanos, scores)));
    }

    private Classification classification(
            ServedModel model, List<ImageUpload> images, int topK, long[] preprocessNanos, List<Scored> scores) {
        List<String> labels = model.artifact().labels();
        List<ImageResult> results = new ArrayList<>(images.size());
        for (int i = 0; i < scores.size(); i++) {
            Scored scored = scores.get(i);
            results.add(new ImageResult(
                    images.get(i).filename(),
                    Prediction.topK(scored.probabilities(), labels, topK),
                    millis(scored.queueNanos()),
                    millis(preprocessNanos[i]),
                    millis(scored.inferenceNanos()),
                    scored.batchSize()));
        }
        return new Classification(
                model.name(),
                model.artifact().architecture().id(),
                scores.get(0).device(),
                model.trained(),
                results);
    }

    /**
     * Queues prepared images for the model's batching workers; the future completes with each
     * one's row. When it fails or is cancelled, the images still waiting are dropped before their
     * forward pass (one failed image makes the others' work useless).
     */
    private CompletableFuture<List<Scored>> score(ServedModel model, List<float[]> prepared, long deadline) {
        // Every path to the model passes here, prepared tensors from clients included.
        NonFiniteInputException.check(prepared);
        long enqueued = System.nanoTime();
        List<PendingImage> pending = new ArrayList<>(prepared.size());
        prepared.forEach(pixels -> pending.add(new PendingImage(pixels, enqueued, deadline)));
        if (!model.queue().offer(pending)) {
            throw queueFull(model, pending.size());
        }
        InferenceTracing.Trace trace = tracing.current();
        CompletableFuture<?>[] rows = pending.stream().map(PendingImage::result).toArray(CompletableFuture[]::new);
        CompletableFuture<List<Scored>> scores = CompletableFuture.allOf(rows)
                .thenApply(done -> {
                    List<Scored> answered =
                            pending.stream().map(image -> image.result().join()).toList();
                    recordPredictions(model, answered);
                    traceStages(trace, enqueued, answered);
                    return answered;
                })
                .orTimeout(deadline - enqueued + FORWARD_ALLOWANCE.toNanos(), TimeUnit.NANOSECONDS);
        scores.whenComplete((done, failure) -> {
            if (failure != null) {
                pending.forEach(image -> image.result().cancel(false));
            }
        });
        return scores;
    }

    /** Each image's wait in the queue and its forward pass, as spans of the request's trace. */
    private void traceStages(InferenceTracing.Trace trace, long enqueued, List<Scored> scores) {
        for (int i = 0; i < scores.size(); i++) {
            Scored scored = scores.get(i);
            long forwardStart = enqueued + scored.queueNanos();
            String image = Integer.toString(i);
            tracing.stage(trace, "queue", enqueued, forwardStart, Map.of("image", image));
            tracing.stage(
                    trace,
                    "forward",
                    forwardStart,
                    forwardStart + scored.inferenceNanos(),
                    Map.of(
                            "image", image,
                            "device", scored.device(),
                            "batch.size", Integer.toString(scored.batchSize())));
        }
    }

    /** Each image's top-1 class and confidence, which show whether the model's answers drift. */
    private void recordPredictions(ServedModel model, List<Scored> scores) {
        List<String> labels = model.artifact().labels();
        for (Scored scored : scores) {
            float[] probabilities = scored.probabilities();
            int top = 0;
            for (int c = 1; c < probabilities.length; c++) {
                if (probabilities[c] > probabilities[top]) {
                    top = c;
                }
            }
            metrics.recordPrediction(model.name(), labels.get(top), probabilities[top]);
        }
    }

    private OverloadedException queueFull(ServedModel model, int images) {
        metrics.recordQueueFull(model.name(), images);
        return new OverloadedException("model '" + model.name() + "' has " + model.queueDepth()
                + " images waiting and " + model.queue().onTheWay()
                + " being decoded, its queue is full; retry shortly");
    }

    /**
     * Decodes and prepares the images, in parallel when there are several. Each image first takes
     * its declared pixels from the decoding budget, here on the request's thread, so that an image
     * waiting for room holds no decoding thread; past the request's deadline the request is
     * refused 503 and its images not yet started are skipped.
     */
    private List<float[]> prepareAll(
            ServedModel model, List<ImageUpload> images, long[] preprocessNanos, long deadline) {
        ImagePreprocessor preprocessor = model.preprocessor();
        InferenceTracing.Trace trace = tracing.current();
        AtomicBoolean abandoned = new AtomicBoolean();
        List<CompletableFuture<float[]>> futures = new ArrayList<>(images.size());
        try {
            for (int i = 0; i < images.size(); i++) {
                int index = i;
                long pixels = takeDecodingRoom(model, images.get(index), deadline);
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
                                metrics.recordPreprocess(model.name(), preprocessNanos[index]);
                                return prepared;
                            } finally {
                                pixelBudget.release(pixels);
                            }
                        },
                        preprocessPool));
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
    private long takeDecodingRoom(ServedModel model, ImageUpload image, long deadline) {
        long pixels = PixelBudget.declaredPixels(image.bytes());
        if (System.nanoTime() - deadline >= 0) {
            throw new OverloadedException("the request is past the request deadline (" + requestTimeout
                    + " from its arrival) before its images could be decoded, and was not computed; retry shortly");
        }
        try {
            long taken = pixelBudget.acquire(pixels, deadline);
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

    private float[] join(CompletableFuture<float[]> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelUnavailableException("the service is shutting down", true);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    /** The exception a request fails with, from what its future failed with. */
    public RuntimeException failureOf(Throwable failure) {
        Throwable cause = failure instanceof CompletionException || failure instanceof ExecutionException
                ? failure.getCause()
                : failure;
        return rethrow(cause);
    }

    private RuntimeException rethrow(Throwable cause) {
        if (cause instanceof TimeoutException) {
            return new InferenceException(
                    "no forward pass answered within " + requestTimeout.plus(FORWARD_ALLOWANCE), cause);
        }
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        return new IllegalStateException(cause);
    }

    private static float[] prepare(ImagePreprocessor preprocessor, ImageUpload image, int index, int count) {
        try {
            return preprocessor.prepare(image.bytes());
        } catch (InvalidImageException e) {
            throw new InvalidImageException(e.reason(), image.describe(index, count) + ": " + e.getMessage(), e);
        }
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }

    @PreDestroy
    void shutdown() {
        preprocessPool.shutdownNow();
    }
}
