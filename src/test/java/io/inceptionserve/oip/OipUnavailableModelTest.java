package io.inceptionserve.oip;

import static io.inceptionserve.oip.OipApiTest.assertError;
import static io.inceptionserve.oip.OipApiTest.encodedImages;
import static io.inceptionserve.oip.OipClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.ResponseEntity;

/** A model that failed to load: the protocol's readiness says so and its requests are 503s. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "inception.models.broken=classpath:models/no-such-model/",
            "inception.inference.warmup-iterations=0"
        })
class OipUnavailableModelTest {

    @Value("${local.server.port}")
    int port;

    @Value("${local.management.port}")
    int managementPort;

    @Test
    void failedModelIsNotReadyAndAnswers503() throws Exception {
        OipClient client = new OipClient(port);
        // The service's own readiness is up once every model has settled and one of them serves.
        new OipClient(managementPort).awaitOk("/actuator/health/readiness", Duration.ofMinutes(3));

        ResponseEntity<String> server = client.get("/v2/health/ready");
        assertThat(server.getStatusCode().value())
                .as("the protocol's server readiness wants every model")
                .isEqualTo(503);
        assertThat(json(server).get("ready").asBoolean()).isFalse();
        ResponseEntity<String> model = client.get("/v2/models/broken/ready");
        assertThat(model.getStatusCode().value()).isEqualTo(503);
        assertThat(json(model).get("ready").asBoolean()).isFalse();
        assertThat(client.get("/v2/models/googlenet/ready").getStatusCode().value())
                .isEqualTo(200);

        assertError(client.get("/v2/models/broken"), 503, "model 'broken' failed to load");
        ResponseEntity<String> infer =
                client.infer("broken", Map.of("inputs", List.of(encodedImages("image", List.of("trouser.png")))));
        assertError(infer, 503, "model 'broken' failed to load");
        assertThat(infer.getHeaders().getFirst("Retry-After"))
                .as("retrying will not help")
                .isNull();
        assertThat(client.infer("googlenet", Map.of("inputs", List.of(encodedImages("image", List.of("trouser.png")))))
                        .getStatusCode()
                        .value())
                .isEqualTo(200);
    }
}
