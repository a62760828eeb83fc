package io.inceptionserve.inference;

import ai.djl.ndarray.types.Shape;
import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.inference.Classification.ImageResult;
import io.inceptionserve.inference.Classification.Prediction;
import io.inceptionserve.observability.InferenceMetrics;
import io.inceptionserve.observability.InferenceMetrics.InFlight;
import io.inceptionserve.observability.InferenceMetrics.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.springframework.stereotype.Service;

/** Classifies uploaded images with a served model: prepare, one batched forward pass, top-k. */
@Service
public class ClassificationService {

    private final ModelRegistry registry;
    private final InferenceMetrics metrics;
    private final int defaultTopK;

    public ClassificationService(ModelRegistry registry, InferenceMetrics metrics, InceptionProperties properties) {
        this.registry = registry;
        this.metrics = metrics;
        this.defaultTopK = properties.inference().defaultTopK();
    }

    /**
     * @param modelName a served model, or {@code null} for the default one
     * @param requestedTopK predictions per image, 1 to the model's number of classes; {@code null}
     *     for the configured default
     */
    public Classification classify(String modelName, List<ImageUpload> images, Integer requestedTopK) {
        ServedModel model = readyModel(modelName == null ? registry.defaultModel() : modelName);
        int classes = model.artifact().labels().size();
        int topK = requestedTopK == null ? Math.min(defaultTopK, classes) : requestedTopK;
        if (topK < 1 || topK > classes) {
            throw new InvalidRequestException(
                    "topK must be between 1 and " + classes + " (the classes of '" + model.name() + "'), was " + topK);
        }
        InFlight request = metrics.start(model.name());
        Outcome outcome = Outcome.SERVER_ERROR;
        try {
            Classification result = run(model, images, topK);
            outcome = Outcome.SUCCESS;
            return result;
        } catch (InvalidImageException | InvalidRequestException e) {
            outcome = Outcome.CLIENT_ERROR;
            throw e;
        } finally {
            request.end(outcome, images.size());
        }
    }

    /**
     * Runs images that the caller has already prepared the way the model's manifest says
     * (resized, normalised, channels-first) through the model in one forward pass.
     *
     * @param batch shaped {@code (N, channels, size, size)} as the model's manifest gives them
     * @return per image, every class's probability in class-index order
     */
    public float[][] probabilities(String modelName, ImageBatch batch) {
        ServedModel model = readyModel(modelName);
        var input = model.artifact().manifest().input();
        Shape expected = new Shape(batch.count(), input.channels(), input.size(), input.size());
        if (!batch.shape().equals(expected) || batch.count() < 1) {
            throw new InvalidRequestException("'" + model.name() + "' takes prepared images shaped (N, "
                    + input.channels() + ", " + input.size() + ", " + input.size() + ") with N >= 1; the batch is "
                    + batch.shape());
        }
        InFlight request = metrics.start(model.name());
        Outcome outcome = Outcome.SERVER_ERROR;
        try {
            float[][] probabilities = forward(model, batch).probabilities();
            outcome = Outcome.SUCCESS;
            return probabilities;
        } finally {
            request.end(outcome, batch.count());
        }
    }

    private ServedModel readyModel(String name) {
        ServedModel model = registry.require(name);
        return switch (model.status()) {
            case READY -> model;
            case FAILED -> throw new ModelUnavailableException(
                    "model '" + name + "' failed to load: " + model.failure(), false);
            case LOADING, WARMING_UP -> throw new ModelUnavailableException(
                    "model '" + name + "' is still " + model.status().name().toLowerCase(java.util.Locale.ROOT)
                            .replace('_', ' '), true);
        };
    }

    private Classification run(ServedModel model, List<ImageUpload> images, int topK) {
        ImagePreprocessor preprocessor = model.preprocessor();
        List<float[]> prepared = new ArrayList<>(images.size());
        long[] preprocessNanos = new long[images.size()];
        for (int i = 0; i < images.size(); i++) {
            long start = System.nanoTime();
            prepared.add(prepare(preprocessor, images.get(i), i, images.size()));
            preprocessNanos[i] = System.nanoTime() - start;
            metrics.recordPreprocess(model.name(), preprocessNanos[i]);
        }
        var input = model.artifact().manifest().input();
        ImageBatch batch = ImageBatch.of(prepared, input.channels(), input.size());
        DeviceWorkers.Forward forward = forward(model, batch);
        String device = forward.device().toString();

        List<String> labels = model.artifact().labels();
        List<ImageResult> results = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            results.add(new ImageResult(
                    images.get(i).filename(),
                    topK(forward.probabilities()[i], labels, topK),
                    millis(forward.queueNanos()),
                    millis(preprocessNanos[i]),
                    millis(forward.inferenceNanos())));
        }
        return new Classification(model.name(), model.artifact().architecture().id(), device, model.trained(),
                results);
    }

    private DeviceWorkers.Forward forward(ServedModel model, ImageBatch batch) {
        DeviceWorkers.Forward forward;
        try {
            forward = model.leastBusyDevice().run(batch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelUnavailableException("the service is shutting down", true);
        }
        metrics.recordBatch(model.name(), forward.device().toString(), batch.count(), forward.queueNanos(),
                forward.inferenceNanos());
        return forward;
    }

    private static float[] prepare(ImagePreprocessor preprocessor, ImageUpload image, int index, int count) {
        try {
            return preprocessor.prepare(image.bytes());
        } catch (InvalidImageException e) {
            String which = image.filename() != null ? "'" + image.filename() + "'"
                    : count > 1 ? "image " + (index + 1) : "the image";
            throw new InvalidImageException(e.reason(), which + ": " + e.getMessage(), e);
        }
    }

    private static List<Prediction> topK(float[] probabilities, List<String> labels, int k) {
        return IntStream.range(0, probabilities.length)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer c) -> probabilities[c]).reversed())
                .limit(k)
                .map(c -> new Prediction(labels.get(c), c, probabilities[c]))
                .toList();
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
