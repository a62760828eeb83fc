package io.inceptionserve.inference;

import java.time.Duration;

/**
 * When the request the current thread serves runs out of time. It is fixed where the request
 * arrives, before its body is read, so that reading, decoding, queueing and the forward pass all
 * count against one deadline; the web layer sets it around the controller call.
 */
public final class RequestDeadline {

    private static final ThreadLocal<Long> DEADLINE_NANOS = new ThreadLocal<>();

    private RequestDeadline() {}

    /** Runs {@code work} with {@code deadlineNanos} ({@link System#nanoTime()}) as the deadline. */
    public static void runWith(long deadlineNanos, ThrowingRunnable work) throws Exception {
        Long outer = DEADLINE_NANOS.get();
        DEADLINE_NANOS.set(deadlineNanos);
        try {
            work.run();
        } finally {
            if (outer == null) {
                DEADLINE_NANOS.remove();
            } else {
                DEADLINE_NANOS.set(outer);
            }
        }
    }

    /** The current request's deadline, or {@code timeout} from {@code nowNanos} outside one. */
    public static long orAfter(long nowNanos, Duration timeout) {
        Long deadline = DEADLINE_NANOS.get();
        return deadline != null ? deadline : nowNanos + timeout.toNanos();
    }

    /** Work that may throw what a servlet filter chain throws. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
