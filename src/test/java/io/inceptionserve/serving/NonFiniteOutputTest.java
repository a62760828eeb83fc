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
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A forward pass that gives NaN fails its own batch (a 500 for its requests), never a 200 with
 * NaN probabilities, and the worker goes on. Inputs are refused earlier when not finite, so the
 * NaN is fed here below that check, straight into the queue.
 */
class NonFiniteOutputTest {

    private static final String MODEL = "googlenet-bn";

    private final InferenceQueue queue = new InferenceQueue(64);
    private DeviceWorkers workers;
    private final ForwardThreads forwardThreads = new ForwardThreads(Device.cpu(), 1, 1);
    private float[] trouser;

    @BeforeEach
    void load() throws Exception {
        OfflineEngine.pytorch();
        ModelArtifact artifact =
                ModelArtifact.open(MODEL, ArtifactFiles.of(Path.of("src/main/resources/models", MODEL)));
        trouser = new ImagePreprocessor(artifact.manifest())
                .prepare(Files.readAllBytes(Path.of("src/test/resources/images/trouser.png")));
        workers = DeviceWorkers.load(artifact, Device.cpu(), Precision.FLOAT32, 1, forwardThreads);
        workers.start(
                MODEL,
                queue,
                TestSettings.batching(8, Duration.ofMillis(200)),
                1,
                artifact.manifest().input().size(),
                new RecordingMetrics());
    }

    @AfterEach
    void close() {
        workers.close();
        forwardThreads.close();
    }

    private static PendingImage pending(float[] pixels) {
        long now = System.nanoTime();
        return new PendingImage(pixels, now, now + Duration.ofMinutes(1).toNanos());
    }

    @Test
    void aNanOutputFailsOnlyItsBatch() throws Exception {
        float[] poisoned = trouser.clone();
        poisoned[7] = Float.NaN;
        PendingImage bad = pending(poisoned);
        PendingImage neighbour = pending(trouser);
        assertThat(queue.offer(List.of(bad, neighbour))).isTrue();

        for (PendingImage image : List.of(bad, neighbour)) {
            assertThatThrownBy(() -> image.result().get(1, TimeUnit.MINUTES))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(InferenceException.class)
                    .hasMessageContaining("non-finite");
        }

        PendingImage next = pending(trouser);
        queue.offer(List.of(next));
        Scored scored = next.result().get(1, TimeUnit.MINUTES);
        for (float p : scored.probabilities()) {
            assertThat(Float.isFinite(p)).isTrue();
        }
    }

    @Test
    void aNonFiniteInputIsRefusedNamingWhere() {
        float[] overflowing = trouser.clone();
        overflowing[42] = Float.NEGATIVE_INFINITY;

        assertThatThrownBy(() -> NonFiniteInputException.check(List.of(trouser, overflowing)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("image 1")
                .hasMessageContaining("element 42")
                .hasMessageContaining("-Infinity");
    }
}
