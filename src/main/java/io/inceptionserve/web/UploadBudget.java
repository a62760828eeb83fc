package io.inceptionserve.web;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of request bodies held in memory at once, counted exactly as the buffers that hold them
 * grow: an upload holds what it has received, not what its {@code Content-Length} announces, so a
 * client that declares a large body and sends it slowly holds little.
 */
final class UploadBudget {

    private final long totalBytes;
    private final AtomicLong freeBytes;

    UploadBudget(long totalBytes) {
        this.totalBytes = totalBytes;
        this.freeBytes = new AtomicLong(totalBytes);
    }

    /** Takes {@code bytes} if they are free now; never waits. */
    boolean tryTake(long bytes) {
        while (true) {
            long free = freeBytes.get();
            if (free < bytes) {
                return false;
            }
            if (freeBytes.compareAndSet(free, free - bytes)) {
                return true;
            }
        }
    }

    void giveBack(long bytes) {
        freeBytes.addAndGet(bytes);
    }

    long totalBytes() {
        return totalBytes;
    }
}
