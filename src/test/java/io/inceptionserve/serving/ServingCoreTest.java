package io.inceptionserve.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inceptionserve.artifact.ArtifactFiles;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.model.OfflineEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The serving core's one entry point on the real engine, without Spring: submit, deadlines, refusals. */
class ServingCoreTest {

    private static final String MODEL = "googlenet-bn";

    private static final RecordingMetrics metrics = new RecordingMetrics();
    private static ServingCore core;
    private static ServedModel model;
    private static float[] trouser;

    @BeforeAll
    static void load() throws Exception {
        OfflineEngine.pytorch();
        Path directory = Path.of("src/main/resources/models", MODEL);
        model = new ServedModel(MODEL, directory.toString(), ArtifactFiles.of(directory), null);
        core = new ServingCore(
                TestSettings.serving(ServingSettings.Devices.CPU, 1, 4, Duration.ofMillis(100)), metrics);
        core.load(List.of(model), loaded -> {}).get(2, TimeUnit.MINUTES);
        trouser = new ImagePreprocessor(model.artifact().manifest())
                .prepare(Files.readAllBytes(Path.of("src/test/resources/images/trouser.png")));
    }

    @AfterAll
    static void close() {
        core.close();
    }

    private static long inSeconds(int seconds) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }

    @Test
    void submittedImagesComeBackScoredInOrder() throws Exception {
        assertThat(model.status()).isEqualTo(ServedModel.Status.READY);
        assertThat(metrics.loaded).containsExactly(MODEL);

        List<Scored> scores =
                core.submit(model, List.of(trouser, trouser), inSeconds(30)).get(1, TimeUnit.MINUTES);

        assertThat(scores).hasSize(2);
        int trouserClass = model.artifact().labels().indexOf("Trouser");
        for (Scored scored : scores) {
            assertThat(scored.probabilities()).hasSize(10);
            assertThat(scored.probabilities()[trouserClass]).isGreaterThan(0.5f);
            assertThat(scored.device()).isEqualTo("cpu()");
        }
    }

    @Test
    void aDeadlineAlreadyPassedFailsWithTheUnwrappedRefusal() throws Exception {
        var answer = core.submit(model, List.of(trouser), System.nanoTime() - 1);

        assertThatThrownBy(() -> answer.get(1, TimeUnit.MINUTES))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(OverloadedException.class)
                .hasMessageContaining("past the request deadline");
    }

    @Test
    void moreImagesThanTheQueueHoldsAreRefusedWholeAtOnce() {
        int refusedBefore = metrics.queueFull.get();

        assertThatThrownBy(() -> core.submit(model, Collections.nCopies(5, trouser), inSeconds(30)))
                .isInstanceOf(OverloadedException.class)
                .hasMessageContaining("its queue is full");
        assertThat(metrics.queueFull).hasValue(refusedBefore + 1);
        assertThatThrownBy(() -> core.admitForDecoding(model, 5)).isInstanceOf(OverloadedException.class);
    }

    @Test
    void anInputThatIsNotFiniteIsTheClientsMistake() {
        float[] poisoned = trouser.clone();
        poisoned[7] = Float.NaN;

        assertThatThrownBy(() -> core.submit(model, List.of(poisoned), inSeconds(30)))
                .isInstanceOf(NonFiniteInputException.class)
                .hasMessageContaining("element 7");
    }
}
