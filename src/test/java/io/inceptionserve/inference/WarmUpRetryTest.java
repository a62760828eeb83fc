package io.inceptionserve.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.config.InceptionProperties.DeviceMode;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.observability.InferenceMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.DefaultResourceLoader;

/** A failure that may pass is retried with doubling back-off; a broken artifact is not. */
class WarmUpRetryTest {

    @Test
    void anEngineFailureIsRetriedWithDoublingBackOffBeforeTheModelFails() throws Exception {
        // No GPU on a CPU machine fails in the engine set-up, after the artifact opened fine.
        ServedModel model = loadAndSettle(DeviceMode.GPU, "classpath:models/googlenet/", Duration.ofMillis(300));

        assertThat(model.failure()).contains("no GPU is visible");
        assertThat(settledMillis).as("three attempts, 300 ms then 600 ms apart").isGreaterThanOrEqualTo(900);
    }

    @Test
    void aBrokenArtifactFailsAtOnce() throws Exception {
        ServedModel model = loadAndSettle(DeviceMode.CPU, "classpath:models/no-such-model/", Duration.ofMinutes(1));

        assertThat(model.failure()).contains("manifest.json");
        assertThat(settledMillis).as("no back-off of a minute").isLessThan(30_000);
    }

    private long settledMillis;

    private ServedModel loadAndSettle(DeviceMode devices, String location, Duration backoff) throws Exception {
        OfflineEngine.pytorch();
        InceptionProperties properties = RegistrySettings.of(Map.of("m", location), devices, 0, backoff);
        ModelRegistry registry = new ModelRegistry(
                properties, new DefaultResourceLoader(), new InferenceMetrics(new SimpleMeterRegistry()));
        long started = System.nanoTime();
        registry.start();
        try {
            while (!registry.settled()) {
                Thread.sleep(10);
            }
            settledMillis = (System.nanoTime() - started) / 1_000_000;
            ServedModel model = registry.require("m");
            assertThat(model.status()).isEqualTo(ServedModel.Status.FAILED);
            return model;
        } finally {
            registry.stop();
        }
    }
}
