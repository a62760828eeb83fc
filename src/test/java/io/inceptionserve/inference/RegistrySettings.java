package io.inceptionserve.inference;

import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.config.InceptionProperties.Batching;
import io.inceptionserve.config.InceptionProperties.DeviceMode;
import io.inceptionserve.config.InceptionProperties.Inference;
import io.inceptionserve.config.InceptionProperties.Reliability;
import io.inceptionserve.config.InceptionProperties.Shutdown;
import io.inceptionserve.model.Precision;
import java.time.Duration;
import java.util.Map;
import org.springframework.util.unit.DataSize;

/** Settings for a {@link ModelRegistry} built without Spring: the application's defaults but for those given. */
final class RegistrySettings {

    private RegistrySettings() {}

    static InceptionProperties of(
            Map<String, String> models, DeviceMode devices, int warmupIterations, Duration warmupBackoff) {
        Batching batching = new Batching(1, 0, 8, Duration.ofMillis(5));
        return new InceptionProperties(
                models.keySet().iterator().next(),
                models,
                new Inference(
                        devices,
                        warmupIterations,
                        5,
                        32,
                        16,
                        Duration.ofSeconds(10),
                        50_000_000,
                        Precision.AUTO,
                        Map.of(),
                        1,
                        0,
                        batching,
                        batching),
                new Shutdown(Duration.ZERO),
                new Reliability(
                        3,
                        warmupBackoff,
                        Duration.ofSeconds(3),
                        Duration.ofMillis(200),
                        DataSize.ofMegabytes(256),
                        50,
                        DataSize.ofBytes(512),
                        0));
    }
}
