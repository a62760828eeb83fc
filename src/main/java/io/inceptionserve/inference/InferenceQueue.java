package io.inceptionserve.inference;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One model's queue of images waiting for a forward pass, shared by the workers of every device
 * the model runs on, so that load spreads over GPUs by itself. Capacity is counted in images and
 * a request's images are admitted all together or not at all.
 */
final class InferenceQueue {

    private final LinkedBlockingQueue<PendingImage> waiting = new LinkedBlockingQueue<>();
    private final Semaphore freeSlots;
    private final int capacity;

    InferenceQueue(int capacity) {
        this.capacity = capacity;
        this.freeSlots = new Semaphore(capacity);
    }

    /** Admits all the images, or none when the queue lacks room for them. */
    boolean offer(List<PendingImage> images) {
        if (!freeSlots.tryAcquire(images.size())) {
            return false;
        }
        waiting.addAll(images);
        return true;
    }

    /** Whether {@link #offer} would admit this many images now (a hint: others may take the room). */
    boolean hasRoomFor(int images) {
        return freeSlots.availablePermits() >= images;
    }

    /** Waits for the next image. */
    PendingImage take() throws InterruptedException {
        PendingImage image = waiting.take();
        freeSlots.release();
        return image;
    }

    /** The next image if one arrives within the timeout, else {@code null}. */
    PendingImage poll(long timeoutNanos) throws InterruptedException {
        PendingImage image = waiting.poll(timeoutNanos, TimeUnit.NANOSECONDS);
        if (image != null) {
            freeSlots.release();
        }
        return image;
    }

    int depth() {
        return capacity - freeSlots.availablePermits();
    }
}
