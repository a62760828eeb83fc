package io.inceptionserve.serving;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.model.Precision;
import io.inceptionserve.serving.ServingSettings.DeviceSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One model's copy on one device and its workers. A DJL {@link Predictor} is not thread-safe, so
 * each worker thread owns one predictor, collects batches for it from the model's queue and hands
 * its forward passes to the device's {@link ForwardThreads}.
 */
final class DeviceWorkers implements AutoCloseable {

    private static final long STOP_TIMEOUT_MILLIS = 30_000;

    private final Device device;
    private final Precision precision;
    private final Model model;
    private final List<Predictor<ImageBatch, float[][]>> predictors;
    private final ForwardThreads forwardThreads;
    private final List<Thread> threads = new ArrayList<>();

    private DeviceWorkers(
            Device device,
            Precision precision,
            Model model,
            List<Predictor<ImageBatch, float[][]>> predictors,
            ForwardThreads forwardThreads) {
        this.device = device;
        this.precision = precision;
        this.model = model;
        this.predictors = predictors;
        this.forwardThreads = forwardThreads;
    }

    /**
     * Loads the artifact's network onto {@code device}, computing in {@code precision} (resolved,
     * not auto), with {@code workers} predictors whose forward passes run on {@code forwardThreads},
     * the device's.
     */
    static DeviceWorkers load(
            ModelArtifact artifact, Device device, Precision precision, int workers, ForwardThreads forwardThreads) {
        Model model = artifact.newInferenceModel(device, precision);
        try {
            List<Predictor<ImageBatch, float[][]>> predictors = new ArrayList<>(workers);
            for (int i = 0; i < workers; i++) {
                predictors.add(model.newPredictor(new ProbabilityTranslator(), device));
            }
            return new DeviceWorkers(device, precision, model, predictors, forwardThreads);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    Device device() {
        return device;
    }

    Precision precision() {
        return precision;
    }

    /**
     * Runs every predictor on blank batches of one image and of a full batch, so the first real
     * requests do not pay for the engine's lazy initialisation and allocator growth.
     */
    void warmUp(int channels, int size, int maxBatchSize, int iterations) throws Exception {
        for (int batchSize : new int[] {1, maxBatchSize}) {
            ImageBatch blank =
                    ImageBatch.of(Collections.nCopies(batchSize, new float[channels * size * size]), channels, size);
            for (int i = 0; i < iterations; i++) {
                for (Predictor<ImageBatch, float[][]> predictor : predictors) {
                    if (Thread.interrupted()) {
                        throw new InterruptedException("warm-up stopped");
                    }
                    forwardThreads.run(() -> predictor.predict(blank));
                }
            }
        }
    }

    /** Starts one worker thread per predictor, all taking from {@code queue}. */
    void start(
            String modelName,
            InferenceQueue queue,
            DeviceSettings batching,
            int channels,
            int size,
            ServingMetrics metrics) {
        for (int i = 0; i < predictors.size(); i++) {
            BatchWorker worker = new BatchWorker(
                    modelName,
                    device.toString(),
                    predictors.get(i),
                    forwardThreads,
                    queue,
                    batching,
                    channels,
                    size,
                    metrics);
            Thread thread = new Thread(worker, "infer-" + modelName + "-" + device + "-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** Stops the workers, letting a forward pass in progress finish, then frees the model. */
    @Override
    public void close() {
        threads.forEach(Thread::interrupt);
        for (Thread thread : threads) {
            try {
                thread.join(STOP_TIMEOUT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        predictors.forEach(Predictor::close);
        model.close();
    }
}
