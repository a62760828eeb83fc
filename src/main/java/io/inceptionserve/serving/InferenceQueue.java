package io.inceptionserve.serving;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One model's queue of images waiting for a forward pass, shared by the workers of every device
 * the model runs on, so that load spreads over GPUs by itself. Capacity is counted in images and
 * a request's images are admitted all together or not at all.
 */
final class InferenceQueue {

    private static final long RECHECK_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

    private final LinkedBlockingQueue<PendingImage> waiting = new LinkedBlockingQueue<>();
    private final Semaphore freeSlots;
    private final int capacity;
    /** Images being decoded for this queue or being added to it right now. */
    private final AtomicInteger onTheWay = new AtomicInteger();

    InferenceQueue(int capacity) {
        this.capacity = capacity;
        this.freeSlots = new Semaphore(capacity);
    }

    /** Admits all the images, or none when the queue lacks room for them. */
    boolean offer(List<PendingImage> images) {
        if (!freeSlots.tryAcquire(images.size())) {
            return false;
        }
        // Counted while they go in one by one, so a worker waking on the first waits for the rest.
        onTheWay.addAndGet(images.size());
        try {
            waiting.addAll(images);
        } finally {
            onTheWay.addAndGet(-images.size());
        }
        return true;
    }

    /**
     * Tells the workers that this many images are being decoded for the queue, so that a worker
     * holding fewer than a full batch waits for them (up to its batch delay). Undone by {@link
     * #decoded}.
     */
    void decoding(int images) {
        onTheWay.addAndGet(images);
    }

    void decoded(int images) {
        onTheWay.addAndGet(-images);
    }

    /**
     * Whether {@link #offer} would admit this many images once those already being decoded are in
     * (a hint: others may take the room). Counting them bounds the requests decoding at once by the
     * queue too: past it, a request is refused before its images are decoded, not after.
     */
    boolean hasRoomFor(int images) {
        return freeSlots.availablePermits() - onTheWay.get() >= images;
    }

    /** Images being decoded for this queue or being added to it right now. */
    int onTheWay() {
        return onTheWay.get();
    }

    /** Waits for the next image. */
    PendingImage take() throws InterruptedException {
        PendingImage image = waiting.take();
        freeSlots.release();
        return image;
    }

    /**
     * The next image: one already waiting, or one arriving within the timeout while more images
     * are being decoded or added; {@code null} once none is coming or the time is up. Rechecked
     * every {@link #RECHECK_NANOS}, because nothing signals the moment the last image on its way
     * has arrived or failed.
     */
    PendingImage pollWhileMoreOnTheWay(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            boolean coming = onTheWay.get() > 0;
            PendingImage image = waiting.poll();
            if (image == null && coming) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                image = waiting.poll(Math.min(left, RECHECK_NANOS), TimeUnit.NANOSECONDS);
                if (image == null) {
                    continue;
                }
            }
            if (image != null) {
                freeSlots.release();
            }
            return image;
        }
    }

    int depth() {
        return capacity - freeSlots.availablePermits();
    }
}
