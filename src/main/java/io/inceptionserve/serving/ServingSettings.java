package io.inceptionserve.serving;

import java.time.Duration;

/**
 * How the serving core places, loads and batches models.
 *
 * @param devices where models run
 * @param cpu batching and forward threads on the CPU
 * @param gpu batching and forward threads on each GPU
 * @param intraOpThreads threads libtorch splits one operator over, per forward thread
 * @param queueCapacity images that may wait for a forward pass per model
 * @param warmupIterations blank forward passes per predictor and batch size before a model is ready
 * @param loadAttempts how often a model's load and warm-up is tried before it fails
 * @param loadBackoff the wait before the second attempt, doubled before each further one
 */
public record ServingSettings(
        Devices devices,
        DeviceSettings cpu,
        DeviceSettings gpu,
        int intraOpThreads,
        int queueCapacity,
        int warmupIterations,
        int loadAttempts,
        Duration loadBackoff) {

    /** Which devices models are placed on. */
    public enum Devices {
        /** Every GPU when there is one, else the CPU. */
        AUTO,
        CPU,
        GPU
    }

    /**
     * One device's workers and forward threads.
     *
     * @param workers predictors (each with a thread collecting batches) per model
     * @param forwardThreads threads running the forward passes of every model on the device
     * @param maxBatchSize images per forward pass at most
     * @param maxBatchDelay how long a worker holding fewer images waits for more while more are on the way
     */
    public record DeviceSettings(int workers, int forwardThreads, int maxBatchSize, Duration maxBatchDelay) {}

    DeviceSettings on(ai.djl.Device device) {
        return device.isGpu() ? gpu : cpu;
    }
}
