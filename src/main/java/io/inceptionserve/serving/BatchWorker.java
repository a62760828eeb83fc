package io.inceptionserve.serving;

import ai.djl.inference.Predictor;
import io.inceptionserve.serving.ServingSettings.DeviceSettings;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One predictor's thread: takes up to {@code maxBatchSize} queued images, waiting at most
 * {@code maxBatchDelay} after the first for more while more are being decoded, runs them in one forward pass and hands each
 * caller its own row. An engine error fails only the images of that batch.
 */
final class BatchWorker implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(BatchWorker.class);

    private final String model;
    private final String device;
    private final Predictor<ImageBatch, float[][]> predictor;
    private final ForwardThreads forwardThreads;
    private final InferenceQueue queue;
    private final DeviceSettings batching;
    private final int channels;
    private final int size;
    private final ServingMetrics metrics;

    BatchWorker(
            String model,
            String device,
            Predictor<ImageBatch, float[][]> predictor,
            ForwardThreads forwardThreads,
            InferenceQueue queue,
            DeviceSettings batching,
            int channels,
            int size,
            ServingMetrics metrics) {
        this.model = model;
        this.device = device;
        this.predictor = predictor;
        this.forwardThreads = forwardThreads;
        this.queue = queue;
        this.batching = batching;
        this.channels = channels;
        this.size = size;
        this.metrics = metrics;
    }

    @Override
    public void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                forward(liveImages(collect()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<PendingImage> collect() throws InterruptedException {
        List<PendingImage> batch = new ArrayList<>(batching.maxBatchSize());
        batch.add(queue.take());
        long until = System.nanoTime() + batching.maxBatchDelay().toNanos();
        while (batch.size() < batching.maxBatchSize()) {
            // Waiting only pays when more images are coming: a lone request (concurrency 1) runs at once.
            PendingImage next = queue.pollWhileMoreOnTheWay(until - System.nanoTime());
            if (next == null) {
                break;
            }
            batch.add(next);
        }
        return batch;
    }

    /** Drops images whose request was abandoned and answers those whose deadline passed, without computing them. */
    private List<PendingImage> liveImages(List<PendingImage> batch) {
        long now = System.nanoTime();
        List<PendingImage> live = new ArrayList<>(batch.size());
        for (PendingImage image : batch) {
            if (image.result().isDone()) {
                // Its request was abandoned: the client went away, or another of its images failed.
                metrics.cancelled(model);
            } else if (image.expired(now)) {
                metrics.expired(model);
                image.result()
                        .completeExceptionally(new OverloadedException("the image waited "
                                + (now - image.enqueuedNanos()) / 1_000_000 + " ms in the queue of model '" + model
                                + "', past the request deadline, and was not computed"));
            } else {
                live.add(image);
            }
        }
        return live;
    }

    private static int firstNonFiniteRow(float[][] probabilities) {
        for (int i = 0; i < probabilities.length; i++) {
            for (float p : probabilities[i]) {
                if (!Float.isFinite(p)) {
                    return i;
                }
            }
        }
        return -1;
    }

    private void forward(List<PendingImage> batch) {
        if (batch.isEmpty()) {
            return;
        }
        List<float[]> pixels = new ArrayList<>(batch.size());
        batch.forEach(image -> pixels.add(image.pixels()));
        // Timed from when a forward thread takes the batch: waiting for one is queueing.
        long[] started = new long[1];
        float[][] probabilities;
        try {
            ImageBatch images = ImageBatch.of(pixels, channels, size);
            probabilities = forwardThreads.run(() -> {
                started[0] = System.nanoTime();
                return predictor.predict(images);
            });
        } catch (Exception e) {
            log.error("Forward pass of {} images on {} for model '{}' failed", batch.size(), device, model, e);
            InferenceException failure =
                    new InferenceException("the forward pass on " + device + " failed: " + e.getMessage(), e);
            batch.forEach(image -> image.result().completeExceptionally(failure));
            return;
        }
        long inferenceNanos = System.nanoTime() - started[0];
        int poisoned = firstNonFiniteRow(probabilities);
        if (poisoned >= 0) {
            // Inputs are checked for finiteness, so this is the engine's or the weights' fault: fail
            // this batch, never answer NaN as a 200.
            log.error(
                    "Forward pass of {} images on {} for model '{}' gave a non-finite probability for image {}",
                    batch.size(),
                    device,
                    model,
                    poisoned);
            InferenceException failure = new InferenceException(
                    "the forward pass on " + device + " gave non-finite probabilities; the batch is not answered",
                    null);
            batch.forEach(image -> image.result().completeExceptionally(failure));
            return;
        }
        metrics.batch(model, device, batch.size(), inferenceNanos);
        for (int i = 0; i < batch.size(); i++) {
            PendingImage image = batch.get(i);
            long queueNanos = started[0] - image.enqueuedNanos();
            metrics.queueWait(model, queueNanos);
            image.result().complete(new Scored(probabilities[i], device, batch.size(), queueNanos, inferenceNanos));
        }
    }
}
