package io.inceptionserve.serving;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Images of an abandoned request (its answer cancelled while they wait in the queue) are dropped
 * before the forward pass and counted as rejected, reason "cancelled"; the others are computed.
 */
class CancelledImagesTest {

    private static final String MODEL = "googlenet-bn";

    @Test
    void abandonedImagesAreNotComputed() throws Exception {
        OfflineEngine.pytorch();
        ModelArtifact artifact =
                ModelArtifact.open(MODEL, ArtifactFiles.of(Path.of("src/main/resources/models", MODEL)));
        float[] trouser = new ImagePreprocessor(artifact.manifest())
                .prepare(Files.readAllBytes(Path.of("src/test/resources/images/trouser.png")));
        RecordingMetrics metrics = new RecordingMetrics();
        InferenceQueue queue = new InferenceQueue(256);
        List<PendingImage> abandoned = new ArrayList<>();
        List<PendingImage> kept = new ArrayList<>();
        long now = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            PendingImage image =
                    new PendingImage(trouser, now, now + Duration.ofMinutes(1).toNanos());
            (i % 10 == 0 ? kept : abandoned).add(image);
            queue.offer(List.of(image));
        }
        abandoned.forEach(image -> image.result().cancel(false));

        try (ForwardThreads forwardThreads = new ForwardThreads(Device.cpu(), 1, 1);
                DeviceWorkers workers =
                        DeviceWorkers.load(artifact, Device.cpu(), Precision.FLOAT32, 1, forwardThreads)) {
            workers.start(
                    MODEL,
                    queue,
                    TestSettings.batching(8, Duration.ofMillis(5)),
                    1,
                    artifact.manifest().input().size(),
                    metrics);
            for (PendingImage image : kept) {
                assertThat(image.result().get(1, TimeUnit.MINUTES).probabilities())
                        .hasSize(10);
            }
            while (queue.depth() > 0) {
                Thread.sleep(10);
            }
        }

        assertThat(metrics.cancelled).hasValue(90);
        assertThat(metrics.imagesComputed()).isEqualTo(10);
    }
}
