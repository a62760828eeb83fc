package io.inceptionserve.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ForwardThreadsTest {

    @Test
    void callersOnManyThreadsShareOneForwardThreadPerDevice() throws Exception {
        Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
        try (ForwardThreads forwardThreads = new ForwardThreads(Device.cpu(), 1, 1)) {
            handOver(forwardThreads, 4, 50, () -> ranOn.add(Thread.currentThread()));
        }
        assertThat(ranOn).hasSize(1);
        assertThat(ranOn.iterator().next().getName()).isEqualTo("forward-cpu()-0");
    }

    @Test
    void sixWorkersOfThreeModelsNeverRunMoreForwardPassesAtOnceThanTheDeviceHasForwardThreads() throws Exception {
        Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        try (ForwardThreads forwardThreads = new ForwardThreads(Device.cpu(), 2, 1)) {
            handOver(forwardThreads, 6, 20, () -> {
                ranOn.add(Thread.currentThread());
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                Thread.sleep(2);
                return running.decrementAndGet();
            });
        }
        assertThat(mostAtOnce).hasValue(2);
        assertThat(ranOn).extracting(Thread::getName).containsExactlyInAnyOrder("forward-cpu()-0", "forward-cpu()-1");
    }

    /** {@code callers} threads each hand {@code calls} passes of {@code forward} over, and are waited for. */
    private static void handOver(ForwardThreads forwardThreads, int callers, int calls, Callable<?> forward)
            throws InterruptedException {
        Thread[] threads = new Thread[callers];
        for (int i = 0; i < callers; i++) {
            threads[i] = new Thread(() -> {
                for (int call = 0; call < calls; call++) {
                    try {
                        forwardThreads.run(forward);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            threads[i].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }

    @Test
    void anInterruptedCallerStillWaitsForItsForwardPassAndKeepsTheInterrupt() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        try (ForwardThreads forwardThreads = new ForwardThreads(Device.cpu(), 1, 1)) {
            Thread.currentThread().interrupt();
            String result = forwardThreads.run(() -> {
                started.countDown();
                Thread.sleep(200);
                return "done";
            });
            assertThat(result).isEqualTo("done");
            assertThat(Thread.interrupted()).isTrue();
            assertThat(started.await(0, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void theForwardPassesExceptionReachesTheCaller() {
        try (ForwardThreads forwardThreads = new ForwardThreads(Device.cpu(), 1, 1)) {
            assertThatThrownBy(() -> forwardThreads.run(() -> {
                        throw new IllegalArgumentException("bad batch");
                    }))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("bad batch");
        }
    }
}
