package io.inceptionserve.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.inceptionserve.artifact.ArtifactFiles;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.model.Precision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Dynamic batching on the real engine, below HTTP: who gets which row, deadlines, faults. */
class BatchingTest {

    static final String MODEL = "googlenet-bn";

    RecordingMetrics metrics = new RecordingMetrics();
    ModelArtifact artifact;
    ImagePreprocessor preprocessor;
    DeviceWorkers workers;
    ForwardThreads forwardThreads = new ForwardThreads(Device.cpu(), 1, 1);
    InferenceQueue queue = new InferenceQueue(64);

    @BeforeEach
    void load() {
        OfflineEngine.pytorch();
        artifact = ModelArtifact.open(MODEL, ArtifactFiles.of(Path.of("src/main/resources/models", MODEL)));
        preprocessor = new ImagePreprocessor(artifact.manifest());
        workers = DeviceWorkers.load(artifact, Device.cpu(), Precision.FLOAT32, 1, forwardThreads);
    }

    @AfterEach
    void close() {
        workers.close();
        forwardThreads.close();
    }

    private void start(Duration maxBatchDelay) {
        int size = artifact.manifest().input().size();
        workers.start(MODEL, queue, TestSettings.batching(8, maxBatchDelay), 1, size, metrics);
    }

    private float[] prepared(String image) throws Exception {
        return preprocessor.prepare(Files.readAllBytes(Path.of("src/test/resources/images", image)));
    }

    private static PendingImage pending(float[] pixels, Duration timeout) {
        long now = System.nanoTime();
        return new PendingImage(pixels, now, now + timeout.toNanos());
    }

    private static Scored result(PendingImage image) throws Exception {
        return image.result().get(60, TimeUnit.SECONDS);
    }

    @Test
    void imagesQueuedTogetherShareOneForwardPassAndEachGetsItsOwnRow() throws Exception {
        List<float[]> images = List.of(prepared("ankle-boot.png"), prepared("pullover.jpg"), prepared("trouser.png"));
        // Alone, one after the other: the reference rows.
        start(Duration.ofMillis(200));
        List<float[]> alone = new ArrayList<>();
        for (float[] pixels : images) {
            PendingImage single = pending(pixels, Duration.ofSeconds(30));
            queue.offer(List.of(single));
            Scored scored = result(single);
            assertThat(scored.batchSize()).isEqualTo(1);
            alone.add(scored.probabilities());
        }

        List<PendingImage> together = new ArrayList<>();
        for (int copy = 0; copy < 2; copy++) {
            for (float[] pixels : images) {
                together.add(pending(pixels, Duration.ofSeconds(30)));
            }
        }
        assertThat(queue.offer(together)).isTrue();

        for (int i = 0; i < together.size(); i++) {
            Scored scored = result(together.get(i));
            assertThat(scored.batchSize()).isEqualTo(6);
            float[] expected = alone.get(i % images.size());
            for (int c = 0; c < expected.length; c++) {
                assertThat(scored.probabilities()[c])
                        .isCloseTo(expected[c], org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
        assertThat(metrics.batchSizes).contains(6);
    }

    @Test
    void aLoneImageIsNotHeldForTheBatchDelay() throws Exception {
        start(Duration.ofMinutes(5));
        PendingImage lone = pending(prepared("trouser.png"), Duration.ofMinutes(5));
        queue.offer(List.of(lone));
        // Far inside the 5-minute delay: the worker does not wait when nothing else is coming.
        assertThat(lone.result().get(2, TimeUnit.MINUTES).batchSize()).isEqualTo(1);
    }

    @Test
    void imagesStillBeingDecodedAreWaitedFor() throws Exception {
        start(Duration.ofMinutes(5));
        queue.decoding(1);
        PendingImage first = pending(prepared("trouser.png"), Duration.ofMinutes(5));
        queue.offer(List.of(first));
        Thread.sleep(300);
        PendingImage second = pending(prepared("pullover.jpg"), Duration.ofMinutes(5));
        queue.decoded(1);
        queue.offer(List.of(second));

        assertThat(result(first).batchSize()).isEqualTo(2);
        assertThat(result(second).batchSize()).isEqualTo(2);
    }

    @Test
    void anImageWhoseDeadlinePassedInTheQueueIsAnsweredWithoutBeingComputed() throws Exception {
        PendingImage late = pending(prepared("trouser.png"), Duration.ofNanos(1));
        Thread.sleep(5);
        queue.offer(List.of(late));
        start(Duration.ofMillis(1));

        assertThatThrownBy(() -> late.result().get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(OverloadedException.class)
                .hasMessageContaining("past the request deadline");
        assertThat(metrics.expired).hasValue(1);
        assertThat(metrics.batchSizes).as("forward passes").isEmpty();
    }

    @Test
    void aFailingBatchFailsOnlyItsOwnImages() throws Exception {
        start(Duration.ofMillis(1));
        PendingImage broken = pending(new float[7], Duration.ofSeconds(30));
        queue.offer(List.of(broken));
        assertThatThrownBy(() -> broken.result().get(60, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(InferenceException.class);

        PendingImage healthy = pending(prepared("trouser.png"), Duration.ofSeconds(30));
        queue.offer(List.of(healthy));
        assertThat(result(healthy).probabilities()).hasSize(10);
    }

    @Test
    void aFullQueueRefusesARequestWhole() {
        InferenceQueue small = new InferenceQueue(3);
        List<PendingImage> four = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            four.add(pending(new float[1], Duration.ofSeconds(1)));
        }

        assertThat(small.offer(four)).isFalse();
        assertThat(small.depth()).isZero();
        assertThat(small.offer(four.subList(0, 3))).isTrue();
        assertThat(small.depth()).isEqualTo(3);
        assertThat(small.offer(four.subList(3, 4))).isFalse();
    }
}
