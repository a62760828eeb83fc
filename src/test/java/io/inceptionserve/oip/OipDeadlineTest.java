package io.inceptionserve.oip;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/** With no time allowed in the queue, every image misses its deadline: /v2 answers 503 with Retry-After. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"inception.inference.request-timeout=0s", "inception.inference.warmup-iterations=0"})
// Settings no other test shares: the context is closed after the class, not cached, freeing its models.
@DirtiesContext
class OipDeadlineTest {

    @Value("${local.server.port}")
    int port;

    @Test
    void aMissedDeadlineIs503WithRetryAfter() throws Exception {
        new OipClient(port).awaitReady(Duration.ofMinutes(3));
        TritonWire wire = new TritonWire(port);
        byte[] tensor = TritonWire.bytesTensor(Files.readAllBytes(OipApiTest.image("pullover.jpg")));

        TritonWire.Answer answer = wire.post(
                "/v2/models/googlenet-bn/infer",
                "{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", "
                        + "\"parameters\": {\"binary_data_size\": " + tensor.length + "}}]}",
                tensor);

        assertThat(answer.status()).as(answer.json().toString()).isEqualTo(503);
        assertThat(answer.header("Retry-After")).isEqualTo("1");
        assertThat(answer.json().propertyNames()).containsExactly("error");
        assertThat(answer.json().get("error").asString()).contains("past the request deadline");
    }
}
