package io.inceptionserve.inference;

import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.image.ImageInput;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.image.InvalidImageException;
import io.inceptionserve.observability.InferenceMetrics;
import io.inceptionserve.observability.InferenceMetrics.InFlight;
import io.inceptionserve.observability.InferenceMetrics.Outcome;
import io.inceptionserve.observability.InferenceTracing;
import io.inceptionserve.serving.Cancellable;
import io.inceptionserve.serving.ImageBatch;
import io.inceptionserve.serving.InvalidRequestException;
import io.inceptionserve.serving.ModelNotFoundException;
import io.inceptionserve.serving.ModelUnavailableException;
import io.inceptionserve.serving.OverloadedException;
import io.inceptionserve.serving.Scored;
import io.inceptionserve.serving.ServedModel;
import io.inceptionserve.serving.ServingCore;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Classifies a request's images with a served model: decodes them, submits them to the serving
 * core, and shapes its scores into the answer, with the request's meters and trace on the way.
 */
@Service
public class ClassificationService {

    private static final Logger log = LoggerFactory.getLogger(ClassificationService.class);

    private final ModelRegistry registry;
    private final ServingCore core;
    private final InferenceMetrics metrics;
    private final InferenceTracing tracing;
    private final ImagePreparation preparation;
    private final int defaultTopK;
    private final DecodeLimits decodeLimits;

    public ClassificationService(
            ModelRegistry registry,
            ServingCore core,
            InferenceMetrics metrics,
            InferenceTracing tracing,
            InceptionProperties properties) {
        this.registry = registry;
        this.core = core;
        this.metrics = metrics;
        this.tracing = tracing;
        this.defaultTopK = properties.inference().defaultTopK();
        this.decodeLimits = DecodeLimits.of(
                properties.inference().maxImagePixels(),
                properties.reliability().decodePixelBudget(),
                Runtime.getRuntime().maxMemory());
        if (!decodeLimits.adjustment().isEmpty()) {
            log.warn("Image limits made consistent: {}", decodeLimits.adjustment());
        }
        int threads = properties.inference().preprocessThreads();
        this.preparation = new ImagePreparation(
                threads > 0 ? threads : Runtime.getRuntime().availableProcessors(), decodeLimits, metrics, tracing);
    }

    /** The pixel limit per image and the decode budget in force. */
    public DecodeLimits decodeLimits() {
        return decodeLimits;
    }

    /**
     * Classifies encoded images, answering once their forward passes are done: they are decoded
     * and queued before it returns. Cancelling the returned future (the client went away) drops
     * the request's images still waiting. It fails with the exception to report, never wrapped.
     *
     * @param modelName a served model, or {@code null} for the default one
     * @param requestedTopK predictions per image, 1 to the model's number of classes; {@code null}
     *     for the configured default
     * @param deadlineNanos ({@link System#nanoTime()}) when the request runs out of time: decoding,
     *     queueing and the forward pass all count against it
     */
    public CompletableFuture<ClassifiedImages> classifyAsync(
            String modelName, List<? extends ImageInput> images, Integer requestedTopK, long deadlineNanos) {
        return classifyAsync(modelName, null, images, requestedTopK, deadlineNanos);
    }

    /**
     * {@link #classifyAsync(String, List, Integer, long)} with one version of the model.
     *
     * @param version the version to use, or {@code null} for the newest ready one
     */
    public CompletableFuture<ClassifiedImages> classifyAsync(
            String modelName,
            Long version,
            List<? extends ImageInput> images,
            Integer requestedTopK,
            long deadlineNanos) {
        String name = modelName == null ? registry.defaultModel() : modelName;
        return measured(name, version, images.size(), model -> {
            int classes = model.artifact().labels().size();
            int topK = requestedTopK == null ? Math.min(defaultTopK, classes) : requestedTopK;
            if (topK < 1 || topK > classes) {
                throw new InvalidRequestException("topK must be between 1 and " + classes + " (the classes of '"
                        + model.name() + "'), was " + topK);
            }
            long[] preprocessNanos = new long[images.size()];
            List<float[]> prepared;
            // Held before decoding: under overload, decoding what the queue cannot take would only
            // steal the cores from the forward passes.
            try (ServingCore.Decoding decoding = core.admitForDecoding(model, images.size())) {
                ImagePreprocessor preprocessor =
                        new ImagePreprocessor(model.artifact().manifest(), decodeLimits.maxImagePixels());
                prepared = preparation.prepareAll(model.name(), preprocessor, images, deadlineNanos, preprocessNanos);
            }
            InferenceTracing.Trace trace = tracing.current();
            return Cancellable.thenApply(
                    submit(model, prepared, deadlineNanos),
                    scores -> tracing.inSpan(
                            trace, "answer", () -> classified(model, topK, images, preprocessNanos, scores)));
        });
    }

    /**
     * Runs images that the caller has already prepared the way the model's manifest says
     * (resized, normalised, channels-first) through the model, batched with other requests.
     *
     * @param batch shaped {@code (N, channels, size, size)} as the model's manifest gives them
     * @param version the version to use, or {@code null} for the newest ready one
     * @return per image, every class's probability in class-index order, once computed, with the
     *     version that computed them; cancelling it drops the images still queued, as {@link
     *     #classifyAsync} does
     */
    public CompletableFuture<Probabilities> probabilitiesAsync(
            String modelName, Long version, ImageBatch batch, long deadlineNanos) {
        return measured(modelName, version, batch.count(), model -> {
            var input = model.artifact().manifest().input();
            long[] expected = {batch.count(), input.channels(), input.size(), input.size()};
            if (!Arrays.equals(batch.shape(), expected) || batch.count() < 1) {
                throw new InvalidRequestException("'" + model.name() + "' takes prepared images shaped (N, "
                        + input.channels() + ", " + input.size() + ", " + input.size() + ") with N >= 1; the batch is "
                        + Arrays.toString(batch.shape()));
            }
            int length = batch.pixels().length / batch.count();
            List<float[]> images = new ArrayList<>(batch.count());
            for (int i = 0; i < batch.count(); i++) {
                images.add(Arrays.copyOfRange(batch.pixels(), i * length, (i + 1) * length));
            }
            return Cancellable.thenApply(
                    submit(model, images, deadlineNanos),
                    scores -> new Probabilities(
                            model, scores.stream().map(Scored::probabilities).toArray(float[][]::new)));
        });
    }

    /**
     * Runs a request's work on the named model under the in-flight gauge and records how it
     * ended, refusals for an unknown, loading or failed model included. The version it runs on is
     * held until its images are queued, so a version retired meanwhile still answers them.
     */
    private <T> CompletableFuture<T> measured(
            String modelName, Long version, int images, Function<ServedModel, CompletableFuture<T>> work) {
        InFlight request = metrics.start(
                registry.models().find(modelName).isPresent() ? modelName : InferenceMetrics.UNKNOWN_MODEL);
        // The answer may complete on a worker thread: its latency sample keeps the request's trace.
        InferenceTracing.Trace trace = tracing.current();
        CompletableFuture<T> result;
        try {
            ServedModel model = registry.models().hold(modelName, version);
            try {
                result = work.apply(model);
            } finally {
                model.release();
            }
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

    /** Submits to the serving core; the scores are recorded as meters and trace spans once computed. */
    private CompletableFuture<List<Scored>> submit(ServedModel model, List<float[]> images, long deadlineNanos) {
        long enqueued = System.nanoTime();
        InferenceTracing.Trace trace = tracing.current();
        return Cancellable.thenApply(core.submit(model, images, deadlineNanos), scores -> {
            recordPredictions(model, scores);
            traceStages(trace, enqueued, scores);
            return scores;
        });
    }

    private static ClassifiedImages classified(
            ServedModel model,
            int topK,
            List<? extends ImageInput> images,
            long[] preprocessNanos,
            List<Scored> scores) {
        List<ClassifiedImages.Image> results = new ArrayList<>(scores.size());
        for (int i = 0; i < scores.size(); i++) {
            results.add(new ClassifiedImages.Image(images.get(i).filename(), preprocessNanos[i], scores.get(i)));
        }
        return new ClassifiedImages(model, topK, results);
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

    @PreDestroy
    void shutdown() {
        preparation.close();
    }
}
