package io.inceptionserve.image;

import java.util.concurrent.TimeUnit;

/**
 * Pixels being decoded at once, across all requests. A decoded image costs memory in proportion to
 * its pixels (several bytes each, in the decoded raster and its converted copies), not to its
 * encoded size: a 7000×7000 PNG of a few kilobytes decodes into hundreds of megabytes. Each image
 * takes its declared pixels from the budget before decoding and gives them back once prepared, so
 * the heaviest requests sent together wait for each other instead of growing the heap.
 *
 * <p>Counted exactly, pixel by pixel: the whole budget can be taken when nothing else holds any.
 * Not fair: a small image takes room left beside a large one instead of queueing behind it.
 */
public final class PixelBudget {

    private final long totalPixels;
    private long available;

    public PixelBudget(long totalPixels) {
        if (totalPixels < 1) {
            throw new IllegalArgumentException("a pixel budget holds at least one pixel, not " + totalPixels);
        }
        this.totalPixels = totalPixels;
        this.available = totalPixels;
    }

    public long totalPixels() {
        return totalPixels;
    }

    /**
     * Waits until {@code pixels} (at least one) fit in the budget, at most until {@code
     * deadlineNanos}; give them back with {@link #release}.
     *
     * @return whether they were taken; false when the deadline passed first
     * @throws IllegalArgumentException for more than the whole budget, which would never fit:
     *     callers refuse such images before asking
     */
    public synchronized boolean acquire(long pixels, long deadlineNanos) throws InterruptedException {
        long wanted = Math.max(1, pixels);
        if (wanted > totalPixels) {
            throw new IllegalArgumentException(pixels + " pixels never fit in a budget of " + totalPixels + " pixels");
        }
        while (available < wanted) {
            long waitNanos = deadlineNanos - System.nanoTime();
            if (waitNanos <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, waitNanos);
        }
        available -= wanted;
        return true;
    }

    public synchronized void release(long pixels) {
        available += Math.max(1, pixels);
        notifyAll();
    }
}
