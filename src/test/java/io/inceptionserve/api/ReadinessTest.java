package io.inceptionserve.api;

import static io.inceptionserve.api.ServiceClient.image;
import static io.inceptionserve.api.ServiceClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.ResponseEntity;

/** Readiness stays down until every model has loaded and warmed up. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "inception.models.slow-v2=classpath:models/slow-v2/",
            "inception.default-model=slow-v2",
            "inception.inference.warmup-iterations=12",
            "inception.inference.cpu.max-batch-size=2"
        })
class ReadinessTest {

    @Value("${local.server.port}")
    int port;

    @Value("${local.management.port}")
    int managementPort;

    @Test
    void readinessFlipsUpOnlyAfterWarmUp() throws Exception {
        ServiceClient client = new ServiceClient(port);
        ServiceClient management = new ServiceClient(managementPort);

        ResponseEntity<String> early = management.get("/actuator/health/readiness");
        assertThat(early.getStatusCode().value()).as(early.getBody()).isEqualTo(503);
        assertThat(json(early).get("status").asString()).isEqualTo("OUT_OF_SERVICE");
        assertThat(management.get("/actuator/health/liveness").getStatusCode().value())
                .isEqualTo(200);
        ResponseEntity<String> tooEarly = client.classify("?model=slow-v2", List.of(image("pullover.jpg")));
        ClassifyApiTest.assertProblem(tooEarly, 503, "still");
        assertThat(tooEarly.getHeaders().getFirst("Retry-After")).isEqualTo("5");

        management.awaitReady(Duration.ofMinutes(3));

        for (var model : json(client.get("/models"))) {
            assertThat(model.get("status").asString())
                    .as(model.get("name").asString())
                    .isEqualTo("READY");
        }
        assertThat(client.classify("?model=slow-v2", List.of(image("pullover.jpg")))
                        .getStatusCode()
                        .value())
                .isEqualTo(200);
    }
}
