package io.inceptionserve.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/** The line logged once the service is ready: ports, each model's devices and state, and the time. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ReadyLogTest {

    @Autowired
    ReadyLog readyLog;

    @Autowired
    ModelRegistry registry;

    @Value("${local.server.port}")
    int port;

    @Value("${local.management.port}")
    int managementPort;

    @Test
    void namesThePortsEveryModelWithItsDevicesAndWhetherItIsTrainedAndTheTimeTaken() throws Exception {
        registry.whenSettled().get(4, TimeUnit.MINUTES);

        assertThat(readyLog.line())
                .matches("Ready in \\d+\\.\\d s on port " + port + " \\(management " + managementPort + "\\): .*")
                .contains(
                        "googlenet on [cpu()] trained; googlenet-bn on [cpu()] trained; inception-v2 on [cpu()] trained");
    }
}
