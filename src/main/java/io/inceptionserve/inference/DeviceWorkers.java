package io.inceptionserve.inference;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.translate.TranslateException;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.model.InferenceForm;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * One model's predictors on one device. A DJL {@link Predictor} is not thread-safe, so each is
 * lent to one caller at a time; callers wait for a free one.
 */
final class DeviceWorkers implements AutoCloseable {

    private final Device device;
    private final Model model;
    private final List<Predictor<ImageBatch, float[][]>> predictors;
    private final BlockingQueue<Predictor<ImageBatch, float[][]>> idle;

    private DeviceWorkers(Device device, Model model, List<Predictor<ImageBatch, float[][]>> predictors) {
        this.device = device;
        this.model = model;
        this.predictors = predictors;
        this.idle = new ArrayBlockingQueue<>(predictors.size(), false, predictors);
    }

    /** Loads the artifact's network onto {@code device} with {@code workers} predictors. */
    static DeviceWorkers load(ModelArtifact artifact, Device device, int workers) {
        Model model = Model.newInstance(artifact.name(), device, "PyTorch");
        try {
            // Serve the faster inference form; the trained form's arrays go once it is built.
            try (NDManager trainedForm = model.getNDManager().newSubManager()) {
                Block trained = artifact.newBlock();
                artifact.loadInto(trained, trainedForm);
                model.setBlock(InferenceForm.of(trained, model.getNDManager()));
            }
            List<Predictor<ImageBatch, float[][]>> predictors = new ArrayList<>(workers);
            for (int i = 0; i < workers; i++) {
                predictors.add(model.newPredictor(new ProbabilityTranslator(), device));
            }
            return new DeviceWorkers(device, model, predictors);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    Device device() {
        return device;
    }

    int idleCount() {
        return idle.size();
    }

    int size() {
        return predictors.size();
    }

    /** Runs one forward pass on a free predictor, waiting for one if all are busy. */
    Forward run(ImageBatch batch) throws InterruptedException {
        long queued = System.nanoTime();
        Predictor<ImageBatch, float[][]> predictor = idle.take();
        long started = System.nanoTime();
        try {
            float[][] probabilities = predictor.predict(batch);
            return new Forward(probabilities, device, started - queued, System.nanoTime() - started);
        } catch (TranslateException e) {
            throw new InferenceException("the forward pass on " + device + " failed: " + e.getMessage(), e);
        } finally {
            idle.add(predictor);
        }
    }

    /** Runs every predictor on a blank batch so the first real request does not pay for start-up. */
    void warmUp(ImageBatch blank, int iterations) throws InterruptedException {
        for (int i = 0; i < iterations; i++) {
            for (int p = 0; p < predictors.size(); p++) {
                run(blank);
            }
        }
    }

    @Override
    public void close() {
        predictors.forEach(Predictor::close);
        model.close();
    }

    /**
     * @param probabilities per image, per class
     * @param device where it ran
     * @param queueNanos time spent waiting for a free predictor
     * @param inferenceNanos time of the forward pass itself
     */
    record Forward(float[][] probabilities, Device device, long queueNanos, long inferenceNanos) {}
}
