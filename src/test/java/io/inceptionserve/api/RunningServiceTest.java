package io.inceptionserve.api;

import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Value;

/**
 * A test of the service on its random ports, started once its models are ready. Readiness is read
 * on the management port without credentials, as the orchestrator reads it in every mode.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class RunningServiceTest {

    @Value("${local.server.port}")
    protected int port;

    @Value("${local.management.port}")
    protected int managementPort;

    /** A client of the application's port that sends no credentials. */
    protected ServiceClient client;

    protected ServiceClient management;

    @BeforeAll
    void waitForModels() throws InterruptedException {
        client = new ServiceClient(port);
        management = new ServiceClient(managementPort);
        management.awaitReady(Duration.ofMinutes(3));
    }
}
