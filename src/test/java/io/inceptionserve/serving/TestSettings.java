package io.inceptionserve.serving;

import io.inceptionserve.serving.ServingSettings.DeviceSettings;
import java.time.Duration;

/** Serving settings for tests: one worker and one forward thread per device unless said. */
final class TestSettings {

    private TestSettings() {}

    static DeviceSettings batching(int maxBatchSize, Duration maxBatchDelay) {
        return new DeviceSettings(1, 1, maxBatchSize, maxBatchDelay);
    }

    static ServingSettings serving(
            ServingSettings.Devices devices, int warmupIterations, int queueCapacity, Duration loadBackoff) {
        DeviceSettings batching = batching(8, Duration.ofMillis(5));
        return new ServingSettings(devices, batching, batching, 1, queueCapacity, warmupIterations, 3, loadBackoff);
    }
}
