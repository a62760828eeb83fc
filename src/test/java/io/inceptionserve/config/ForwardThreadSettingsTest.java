package io.inceptionserve.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.config.InceptionProperties.Batching;
import io.inceptionserve.config.InceptionProperties.DeviceMode;
import io.inceptionserve.config.InceptionProperties.Inference;
import io.inceptionserve.model.Precision;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForwardThreadSettingsTest {

    private static Inference inference(int intraOpThreads, int cpuForwardThreads, int gpuWorkers) {
        return new Inference(
                DeviceMode.AUTO,
                2,
                5,
                32,
                256,
                Duration.ofSeconds(10),
                50_000_000,
                Precision.AUTO,
                Map.of(),
                0,
                intraOpThreads,
                new Batching(2, cpuForwardThreads, 8, Duration.ofMillis(5)),
                new Batching(gpuWorkers, 0, 32, Duration.ofMillis(2)));
    }

    @Test
    void byDefaultTwoCoresGetTwoForwardThreadsOfOneLibtorchThreadEach() {
        Inference defaults = inference(0, 0, 2);
        assertThat(defaults.forwardThreads(false, 2)).isEqualTo(2);
        assertThat(defaults.intraOpThreads(2)).isEqualTo(1);
    }

    @Test
    void byDefaultLargerMachinesShareTheirCoresBetweenTwoForwardThreads() {
        Inference defaults = inference(0, 0, 2);
        assertThat(defaults.forwardThreads(false, 16)).isEqualTo(2);
        assertThat(defaults.intraOpThreads(16)).isEqualTo(8);
        assertThat(defaults.forwardThreads(false, 1)).isEqualTo(1);
        assertThat(defaults.intraOpThreads(1)).isEqualTo(1);
    }

    @Test
    void aGpuGetsOneForwardThreadPerWorker() {
        assertThat(inference(0, 0, 3).forwardThreads(true, 2)).isEqualTo(3);
    }

    @Test
    void configuredCountsWin() {
        Inference configured = inference(2, 1, 2);
        assertThat(configured.forwardThreads(false, 2)).isEqualTo(1);
        assertThat(configured.intraOpThreads(2)).isEqualTo(2);
        assertThat(inference(0, 4, 2).intraOpThreads(16)).isEqualTo(4);
    }
}
