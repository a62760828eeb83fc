package io.inceptionserve.image;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Pixels being decoded at once, across all requests. A decoded image costs memory in proportion to
 * its pixels (several bytes each, in the decoded raster and its converted copies), not to its
 * encoded size: a 7000×7000 PNG of a few kilobytes decodes into hundreds of megabytes. Each image
 * takes its declared pixels from the budget before decoding and gives them back once prepared, so
 * the heaviest requests sent together wait for each other instead of growing the heap.
 */
public final class PixelBudget {

    /** Permits are counted in blocks of pixels, so that a budget of billions fits a semaphore. */
    private static final int BLOCK = 1024;

    private final long totalPixels;
    private final Semaphore blocks;

    public PixelBudget(long totalPixels) {
        this.totalPixels = totalPixels;
        // Not fair: a small image takes room left beside a large one instead of queueing behind it.
        this.blocks = new Semaphore((int) Math.min(Integer.MAX_VALUE, Math.max(1, totalPixels / BLOCK)));
    }

    public long totalPixels() {
        return totalPixels;
    }

    /**
     * Waits until {@code pixels} fit in the budget, at most until {@code deadlineNanos}. An image
     * larger than the whole budget waits for all of it.
     *
     * @return the pixels taken, to give back with {@link #release}, or 0 when the deadline passed
     */
    public long acquire(long pixels, long deadlineNanos) throws InterruptedException {
        int wanted = blocksFor(pixels);
        long waitNanos = deadlineNanos - System.nanoTime();
        if (waitNanos <= 0 || !blocks.tryAcquire(wanted, waitNanos, TimeUnit.NANOSECONDS)) {
            return 0;
        }
        return pixels;
    }

    public void release(long pixels) {
        blocks.release(blocksFor(pixels));
    }

    private int blocksFor(long pixels) {
        long capped = Math.min(Math.max(pixels, 1), totalPixels);
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, (capped + BLOCK - 1) / BLOCK));
    }

    /**
     * The pixels an encoded image's header declares, read without decoding; 1 when the header
     * cannot be read (decoding then refuses the image with the right reason).
     */
    public static long declaredPixels(byte[] encoded) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                return 1;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return Math.max(1, (long) reader.getWidth(0) * reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return 1;
        }
    }
}
