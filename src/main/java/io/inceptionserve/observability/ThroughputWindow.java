package io.inceptionserve.observability;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Counts events over the last minute in one-second buckets, so the rate reflects current load
 * rather than the average since start-up.
 */
final class ThroughputWindow {

    static final int SECONDS = 60;

    private final AtomicLongArray counts = new AtomicLongArray(SECONDS);
    private final AtomicLongArray bucketSecond = new AtomicLongArray(SECONDS);
    private final LongSupplier clockMillis;

    ThroughputWindow(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
    }

    void add(long events) {
        long second = clockMillis.getAsLong() / 1000;
        int slot = (int) (second % SECONDS);
        long owner = bucketSecond.get(slot);
        if (owner != second && bucketSecond.compareAndSet(slot, owner, second)) {
            counts.set(slot, 0);
        }
        counts.addAndGet(slot, events);
    }

    /** Events per second over the last {@value #SECONDS} seconds, the current one included. */
    double perSecond() {
        long now = clockMillis.getAsLong() / 1000;
        long total = 0;
        for (int slot = 0; slot < SECONDS; slot++) {
            if (now - bucketSecond.get(slot) < SECONDS) {
                total += counts.get(slot);
            }
        }
        return (double) total / SECONDS;
    }
}
