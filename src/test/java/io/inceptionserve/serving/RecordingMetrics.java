package io.inceptionserve.serving;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/** What the serving core reported, counted for the tests' assertions. */
final class RecordingMetrics implements ServingMetrics {

    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    final AtomicInteger cancelled = new AtomicInteger();
    final AtomicInteger expired = new AtomicInteger();
    final AtomicInteger queueFull = new AtomicInteger();
    final List<String> loaded = new CopyOnWriteArrayList<>();
    final List<String> unloaded = new CopyOnWriteArrayList<>();

    @Override
    public void modelReadiness(String model, long version, Collection<String> devices, boolean ready) {}

    @Override
    public void modelLoaded(String model, long version, Duration took, IntSupplier depth, int capacity) {
        loaded.add(model);
    }

    @Override
    public void modelUnloaded(String model, long version) {
        unloaded.add(model + "/" + version);
    }

    @Override
    public void batch(String model, String device, int batchSize, long inferenceNanos) {
        batchSizes.add(batchSize);
    }

    @Override
    public void queueWait(String model, long nanos) {}

    @Override
    public void cancelled(String model) {
        cancelled.incrementAndGet();
    }

    @Override
    public void expired(String model) {
        expired.incrementAndGet();
    }

    @Override
    public void queueFull(String model, int images) {
        queueFull.incrementAndGet();
    }

    int imagesComputed() {
        return batchSizes.stream().mapToInt(Integer::intValue).sum();
    }
}
