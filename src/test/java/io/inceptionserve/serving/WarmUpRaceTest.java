package io.inceptionserve.serving;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.model.Precision;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scoped forward passes of several models at once, under CPU contention made by the test (busy
 * threads, twice the cores): parallel warm-ups on threads, and the serving core closed while its loader
 * is in the middle of a warm-up, 50 times in a row (see docs/reliability.md, "the warm-up race").
 */
class WarmUpRaceTest {

    private static final List<String> MODELS = List.of("googlenet", "googlenet-bn", "inception-v2");
    private static final int ROUNDS = 50;
    /** Each loads three models afresh; 50 rounds passed before the fix too. */
    private static final int PARALLEL_ROUNDS = 10;

    private static final AtomicBoolean burning = new AtomicBoolean(true);

    @BeforeAll
    static void contendForTheCpu() {
        OfflineEngine.pytorch();
        for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors(); i++) {
            Thread burner = new Thread(() -> {
                double x = 1;
                while (burning.get()) {
                    x = Math.sqrt(x + 1);
                }
            });
            burner.setDaemon(true);
            burner.setPriority(Thread.MAX_PRIORITY);
            burner.start();
        }
    }

    @AfterAll
    static void stopBurning() {
        burning.set(false);
    }

    @Test
    void parallelWarmUpsOfSeveralModelsNeverFail() throws Exception {
        List<ModelArtifact> artifacts = new ArrayList<>();
        for (String name : MODELS) {
            artifacts.add(ModelArtifact.open(
                    name, fileName -> WarmUpRaceTest.class.getResourceAsStream("/models/" + name + "/" + fileName)));
        }
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        // Shared by every model, as the service shares one set per device.
        ForwardThreads forwardThreads = new ForwardThreads(Device.cpu(), 2, 1);
        for (int round = 0; round < PARALLEL_ROUNDS; round++) {
            CountDownLatch done = new CountDownLatch(artifacts.size());
            for (ModelArtifact artifact : artifacts) {
                new Thread(() -> {
                            try (DeviceWorkers workers =
                                    DeviceWorkers.load(artifact, Device.cpu(), Precision.FLOAT32, 2, forwardThreads)) {
                                workers.warmUp(
                                        artifact.manifest().input().channels(),
                                        artifact.manifest().input().size(),
                                        2,
                                        1);
                            } catch (Throwable e) {
                                failures.add(e);
                            } finally {
                                done.countDown();
                            }
                        })
                        .start();
            }
            done.await();
        }
        forwardThreads.close();
        assertThat(failures).isEmpty();
    }

    /**
     * Stopping the service while a model warms up: the loader is told to stop and frees what it
     * loaded itself. Freeing it from the stopping thread instead closed the managers under the
     * warm-up pass in progress, which failed inside the per-stage scoping with "NDManager has been
     * closed already" and marked the model FAILED.
     */
    @Test
    void stoppingWhileAModelWarmsUpNeverClosesItUnderTheWarmUp() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            List<ServedModel> models =
                    MODELS.stream().map(WarmUpRaceTest::bundled).toList();
            // Long warm-ups, so that the stop lands in the middle of one.
            ServingCore core = new ServingCore(
                    TestSettings.serving(ServingSettings.Devices.CPU, 100, 16, Duration.ofSeconds(1)),
                    new RecordingMetrics());
            core.load(models, model -> {});
            ServedModel warming = models.get(0);
            while (warming.status() == ServedModel.Status.LOADING) {
                Thread.sleep(1);
            }
            Thread.sleep(round % 10 * 5);
            long started = System.nanoTime();
            core.close();
            long stopMillis = (System.nanoTime() - started) / 1_000_000;

            for (ServedModel model : models) {
                assertThat(model.status()).isIn(ServedModel.Status.LOADING, ServedModel.Status.FAILED);
                if (model.failure() != null) {
                    assertThat(model.failure()).isEqualTo("the service stopped while the model was loading");
                }
            }
            assertThat(stopMillis)
                    .as("stop waits for one warm-up pass, not the whole warm-up")
                    .isLessThan(10_000);
        }
    }

    private static ServedModel bundled(String name) {
        return new ServedModel(
                name,
                "classpath:models/" + name + "/",
                fileName -> WarmUpRaceTest.class.getResourceAsStream("/models/" + name + "/" + fileName),
                null);
    }
}
