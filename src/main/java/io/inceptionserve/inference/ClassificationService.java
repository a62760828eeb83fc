package io.inceptionserve.inference;

import ai.djl.ndarray.types.Shape;
import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.image.ImageUpload;
import io.inceptionserve.image.InvalidImageException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

    private final ModelRegistry registry;
    private final InferenceMetrics metrics;
    private final InferenceTracing tracing;
    private final int defaultTopK;
    private final Duration requestTimeout;
    private final ExecutorService preprocessPool;

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
        int threads = properties.inference().preprocessThreads();
        CustomizableThreadFactory threadFactory = new CustomizableThreadFactory("preprocess-");
        threadFactory.setDaemon(true);
        this.preprocessPool = Executors.newFixedThreadPool(
                threads > 0 ? threads : Runtime.getRuntime().availableProcessors(), threadFactory);
    }

    /**
     * @param modelName a served model, or {@code null} for the default one
     * @param requestedTopK predictions per image, 1 to the model's number of classes; {@code null}
     *     for the configured default
     */
    public Classification classify(String modelName, List<ImageUpload> images, Integer requestedTopK) {
        return measured(modelName == null ? registry.defaultModel() : modelName, images.size(), model -> {
            int classes = model.artifact().labels().size();
            int topK = requestedTopK == null ? Math.min(defaultTopK, classes) : requestedTopK;
            if (topK < 1 || topK > classes) {
                throw new InvalidRequestException("topK must be between 1 and " + classes + " (the classes of '"
                        + model.name() + "'), was " + topK);
            }
            return run(model, images, topK);
        });
    }

    /**
     * Runs images that the caller has already prepared the way the model's manifest says
     * (resized, normalised, channels-first) through the model, batched with other requests.
     *
     * @param batch shaped {@code (N, channels, size, size)} as the model's manifest gives them
     * @return per image, every class's probability in class-index order
     */
    public float[][] probabilities(String modelName, ImageBatch batch) {
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
            return score(model, images).stream().map(Scored::probabilities).toArray(float[][]::new);
        });
    }

    /**
     * Runs a request's work on the named model under the in-flight gauge and records how it
     * ended, refusals for an unknown, loading or failed model included.
     */
    private <T> T measured(String modelName, int images, Function<ServedModel, T> work) {
        InFlight request =
                metrics.start(registry.find(modelName).isPresent() ? modelName : InferenceMetrics.UNKNOWN_MODEL);
        Outcome outcome = Outcome.SERVER_ERROR;
        try {
            T result = work.apply(readyModel(modelName));
            outcome = Outcome.SUCCESS;
            return result;
        } catch (ModelNotFoundException e) {
            outcome = Outcome.NOT_FOUND;
            throw e;
        } catch (InvalidImageException | InvalidRequestException e) {
            outcome = Outcome.CLIENT_ERROR;
            throw e;
        } catch (OverloadedException | ModelUnavailableException e) {
            outcome = Outcome.UNAVAILABLE;
            throw e;
        } finally {
            request.end(outcome, images);
        }
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

    private Classification run(ServedModel model, List<ImageUpload> images, int topK) {
        // Refused before decoding too: under overload, decoding what the queue cannot take would
        // only steal the cores from the forward passes.
        if (!model.queue().hasRoomFor(images.size())) {
            throw queueFull(model, images.size());
        }
        long[] preprocessNanos = new long[images.size()];
        List<float[]> prepared;
        model.queue().decoding(images.size());
        try {
            prepared = prepareAll(model, images, preprocessNanos);
        } finally {
            model.queue().decoded(images.size());
        }
        List<Scored> scores = score(model, prepared);
        return tracing.inSpan(tracing.current(), "answer", () -> answer(model, images, topK, scores, preprocessNanos));
    }

    private static Classification answer(
            ServedModel model, List<ImageUpload> images, int topK, List<Scored> scores, long[] preprocessNanos) {
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

    /** Queues prepared images for the model's batching workers and waits for each one's row. */
    private List<Scored> score(ServedModel model, List<float[]> prepared) {
        long enqueued = System.nanoTime();
        long deadline = enqueued + requestTimeout.toNanos();
        List<PendingImage> pending = new ArrayList<>(prepared.size());
        prepared.forEach(pixels -> pending.add(new PendingImage(pixels, enqueued, deadline)));
        if (!model.queue().offer(pending)) {
            throw queueFull(model, pending.size());
        }
        List<Scored> scores = new ArrayList<>(pending.size());
        for (PendingImage image : pending) {
            scores.add(await(image.result(), deadline));
        }
        recordPredictions(model, scores);
        traceStages(enqueued, scores);
        return scores;
    }

    /** Each image's wait in the queue and its forward pass, as spans of the request's trace. */
    private void traceStages(long enqueued, List<Scored> scores) {
        InferenceTracing.Trace trace = tracing.current();
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
                + " images waiting, its queue is full; retry shortly");
    }

    /** Decodes and prepares the images, in parallel when there are several. */
    private List<float[]> prepareAll(ServedModel model, List<ImageUpload> images, long[] preprocessNanos) {
        ImagePreprocessor preprocessor = model.preprocessor();
        InferenceTracing.Trace trace = tracing.current();
        List<CompletableFuture<float[]>> futures = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            int index = i;
            futures.add(CompletableFuture.supplyAsync(
                    () -> {
                        long start = System.nanoTime();
                        float[] pixels = tracing.inSpan(
                                trace, "decode", () -> prepare(preprocessor, images.get(index), index, images.size()));
                        preprocessNanos[index] = System.nanoTime() - start;
                        metrics.recordPreprocess(model.name(), preprocessNanos[index]);
                        return pixels;
                    },
                    preprocessPool));
        }
        List<float[]> prepared = new ArrayList<>(images.size());
        for (CompletableFuture<float[]> future : futures) {
            prepared.add(join(future));
        }
        return prepared;
    }

    private static float[] join(CompletableFuture<float[]> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelUnavailableException("the service is shutting down", true);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    private Scored await(CompletableFuture<Scored> result, long deadlineNanos) {
        long waitNanos = deadlineNanos - System.nanoTime() + FORWARD_ALLOWANCE.toNanos();
        try {
            return result.get(waitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelUnavailableException("the service is shutting down", true);
        } catch (TimeoutException e) {
            throw new InferenceException(
                    "no forward pass answered within " + requestTimeout.plus(FORWARD_ALLOWANCE), e);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    private static RuntimeException rethrow(Throwable cause) {
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
