package io.inceptionserve.bench;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.model.CpuFeatures;
import io.inceptionserve.model.Precision;
import io.inceptionserve.serving.ImageBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Forward passes in this process, without HTTP, on DJL's PyTorch engine: the TorchScript of the
 * served architecture written in PyTorch, or this project's own block as the service runs it. The
 * faster of the two is the engine ceiling.
 */
final class InProcessForward {

    /** Untimed passes first: TorchScript's profiling executor optimises the graph on its second run. */
    private static final int WARMUP_PASSES = 2;

    /**
     * @param imagesPerSecond images of the timed passes over their total time
     * @param medianPassMs the median time of one forward pass of the whole batch
     * @param p99PassMs the 99th percentile (nearest rank) of that time: the engine's own tail
     */
    record Measurement(int batchSize, double imagesPerSecond, double medianPassMs, double p99PassMs) {}

    private InProcessForward() {}

    /** Loads a TorchScript file traced from a PyTorch network. */
    static Model torchScript(Path file) throws IOException, MalformedModelException {
        Model model = Model.newInstance(file.getFileName().toString(), Device.cpu(), "PyTorch");
        model.load(file);
        return model;
    }

    /**
     * Builds the network of a model directory exactly as the service serves it by default, in its
     * inference form and in the precision its manifest asks for, as {@code auto} resolves it on
     * this CPU (random init when the directory has no weights).
     */
    static Model ownBlock(Path modelDirectory) {
        ModelArtifact artifact = ModelArtifact.open(modelDirectory);
        Precision precision = artifact.manifest()
                .precisionSetting()
                .resolve(Device.cpu(), CpuFeatures.detect())
                .precision();
        return artifact.newInferenceModel(Device.cpu(), precision);
    }

    /**
     * Times forward passes of batches stacked from {@code images} (prepared network inputs) for
     * each network and batch size. The timing is split into {@code rounds} that visit every
     * network in turn, so that load from elsewhere on the machine falls on all of them alike;
     * each round runs at least one pass and {@code perRound}. Every pass includes copying the
     * input in and the softmaxed output out, as serving does.
     *
     * @return per network (in the order given), one measurement per batch size
     */
    static Map<String, List<Measurement>> measure(
            Map<String, Model> networks,
            List<float[]> images,
            int channels,
            int size,
            int[] batchSizes,
            Duration perRound,
            int rounds)
            throws TranslateException {
        Map<String, Predictor<ImageBatch, float[]>> predictors = new LinkedHashMap<>();
        try {
            networks.forEach((name, model) -> predictors.put(name, model.newPredictor(new SoftmaxTranslator())));
            Map<String, List<Measurement>> measurements = new LinkedHashMap<>();
            networks.keySet().forEach(name -> measurements.put(name, new ArrayList<>()));
            for (int batchSize : batchSizes) {
                ImageBatch batch = stack(images, batchSize, channels, size);
                for (Predictor<ImageBatch, float[]> predictor : predictors.values()) {
                    for (int i = 0; i < WARMUP_PASSES; i++) {
                        predictor.predict(batch);
                    }
                }
                Map<String, List<Long>> passes = new LinkedHashMap<>();
                predictors.keySet().forEach(name -> passes.put(name, new ArrayList<>()));
                for (int round = 0; round < rounds; round++) {
                    for (var entry : predictors.entrySet()) {
                        timePasses(entry.getValue(), batch, perRound, passes.get(entry.getKey()));
                    }
                }
                passes.forEach((name, nanos) -> measurements.get(name).add(summarise(batchSize, nanos)));
            }
            return measurements;
        } finally {
            predictors.values().forEach(Predictor::close);
        }
    }

    /** Forward passes of one batch size, back to back for at least {@code duration}, after one untimed pass. */
    static Measurement sustained(
            Model model, List<float[]> images, int channels, int size, int batchSize, Duration duration)
            throws TranslateException {
        ImageBatch batch = stack(images, batchSize, channels, size);
        try (Predictor<ImageBatch, float[]> predictor = model.newPredictor(new SoftmaxTranslator())) {
            predictor.predict(batch);
            List<Long> passes = new ArrayList<>();
            timePasses(predictor, batch, duration, passes);
            return summarise(batchSize, passes);
        }
    }

    private static ImageBatch stack(List<float[]> images, int batchSize, int channels, int size) {
        List<float[]> stacked = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) {
            stacked.add(images.get(i % images.size()));
        }
        return ImageBatch.of(stacked, channels, size);
    }

    private static void timePasses(
            Predictor<ImageBatch, float[]> predictor, ImageBatch batch, Duration atLeast, List<Long> passes)
            throws TranslateException {
        long started = System.nanoTime();
        do {
            long passStart = System.nanoTime();
            predictor.predict(batch);
            passes.add(System.nanoTime() - passStart);
        } while (System.nanoTime() - started < atLeast.toNanos());
    }

    private static Measurement summarise(int batchSize, List<Long> passNanos) {
        long[] sorted = passNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        double totalSeconds = Arrays.stream(sorted).sum() / 1e9;
        int p99 = Math.max(0, (int) Math.ceil(0.99 * sorted.length) - 1);
        return new Measurement(
                batchSize,
                batchSize * sorted.length / totalSeconds,
                sorted[sorted.length / 2] / 1e6,
                sorted[p99] / 1e6);
    }

    /** The best throughput among the measurements. */
    static Measurement best(List<Measurement> measurements) {
        return measurements.stream()
                .max(Comparator.comparingDouble(Measurement::imagesPerSecond))
                .orElseThrow();
    }

    /** Input in, class probabilities out (flattened), all within the call's arrays. */
    private static final class SoftmaxTranslator implements NoBatchifyTranslator<ImageBatch, float[]> {

        @Override
        public NDList processInput(TranslatorContext ctx, ImageBatch batch) {
            return new NDList(ctx.getNDManager().create(batch.pixels(), new Shape(batch.shape())));
        }

        @Override
        public float[] processOutput(TranslatorContext ctx, NDList list) {
            return list.get(0).softmax(1).toFloatArray();
        }
    }
}
