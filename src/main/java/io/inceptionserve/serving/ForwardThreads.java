package io.inceptionserve.serving;

import ai.djl.Device;
import io.inceptionserve.model.OfflineEngine;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that run forward passes on one device, shared by every model served on it.
 *
 * <p>libtorch splits an operator over an OpenMP team that belongs to the calling thread, and once a
 * process holds more OpenMP threads than cores, libgomp puts its threads to sleep after each
 * operator instead of spinning, so a lone batch-1 forward would pay a wake-up per operator. A fixed
 * set of forward threads per device keeps the number of OpenMP threads where it was sized, however
 * many models are served; models collect batches on their own threads and hand over only the
 * forward pass.
 */
final class ForwardThreads implements AutoCloseable {

    private static final long STOP_TIMEOUT_SECONDS = 30;

    private final ExecutorService executor;

    /**
     * Starts {@code threads} daemon threads named after {@code device}, each splitting an operator
     * over {@code intraOpThreads} libtorch threads.
     */
    ForwardThreads(Device device, int threads, int intraOpThreads) {
        AtomicInteger count = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(threads, task -> {
            Runnable withThreads = () -> {
                // Per thread in OpenMP: set here, before the thread's first operator.
                OfflineEngine.useIntraOpThreads(intraOpThreads);
                task.run();
            };
            Thread thread = new Thread(withThreads, "forward-" + device + "-" + count.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Runs {@code forward} on one of the threads and returns its result.
     *
     * <p>Waits for it even when the calling thread is interrupted (and keeps the interrupt): a
     * stopping model frees its arrays only once its forward pass in progress has finished.
     *
     * @throws Exception what {@code forward} threw
     */
    <T> T run(Callable<T> forward) throws Exception {
        Future<T> result = executor.submit(forward);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops the threads once the forward passes already handed over are done. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
