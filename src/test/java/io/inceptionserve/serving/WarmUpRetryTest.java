package io.inceptionserve.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.model.OfflineEngine;
import java.io.FileNotFoundException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A failure that may pass is retried with doubling back-off; a broken artifact is not. */
class WarmUpRetryTest {

    @Test
    void anEngineFailureIsRetriedWithDoublingBackOffBeforeTheModelFails() throws Exception {
        // No GPU on a CPU machine fails in the engine set-up, after the artifact opened fine.
        ServedModel model =
                loadAndSettle(ServingSettings.Devices.GPU, "classpath:models/googlenet/", Duration.ofMillis(300));

        assertThat(model.failure()).contains("no GPU is visible");
        assertThat(settledMillis).as("three attempts, 300 ms then 600 ms apart").isGreaterThanOrEqualTo(900);
    }

    @Test
    void aBrokenArtifactFailsAtOnce() throws Exception {
        ServedModel model =
                loadAndSettle(ServingSettings.Devices.CPU, "classpath:models/no-such-model/", Duration.ofMinutes(1));

        assertThat(model.failure()).contains("manifest.json");
        assertThat(settledMillis).as("no back-off of a minute").isLessThan(30_000);
    }

    private long settledMillis;

    private ServedModel loadAndSettle(ServingSettings.Devices devices, String location, Duration backoff)
            throws Exception {
        OfflineEngine.pytorch();
        String directory = location.substring("classpath:".length());
        ServedModel model = new ServedModel(
                "m",
                location,
                fileName -> {
                    InputStream file = WarmUpRetryTest.class.getResourceAsStream("/" + directory + fileName);
                    if (file == null) {
                        throw new FileNotFoundException(location + fileName);
                    }
                    return file;
                },
                null);
        long started = System.nanoTime();
        try (ServingCore core =
                new ServingCore(TestSettings.serving(devices, 0, 16, backoff), new RecordingMetrics())) {
            core.load(List.of(model), loaded -> {}).get(2, TimeUnit.MINUTES);
            settledMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(model.status()).isEqualTo(ServedModel.Status.FAILED);
            return model;
        }
    }
}
