package io.inceptionserve.api;

import static io.inceptionserve.api.ServiceClient.image;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.ResponseEntity;

/** A burst beyond the queue's capacity is refused at once with 503 and Retry-After; nothing else fails. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "inception.inference.queue-capacity=4",
            "inception.inference.cpu.max-batch-size=2",
            "inception.inference.warmup-iterations=0"
        })
class OverloadTest {

    @Value("${local.server.port}")
    int port;

    @Value("${local.management.port}")
    int managementPort;

    @Test
    void aBurstBeyondTheQueueIsRefusedCleanly() throws Exception {
        ServiceClient client = new ServiceClient(port);
        ServiceClient management = new ServiceClient(managementPort);
        management.awaitReady(Duration.ofMinutes(3));
        List<java.nio.file.Path> threeImages =
                List.of(image("pullover.jpg"), image("trouser.png"), image("ankle-boot.png"));

        ExecutorService clients = Executors.newFixedThreadPool(24);
        List<Future<ResponseEntity<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            responses.add(clients.submit(() -> client.classify("?model=inception-v2", threeImages)));
        }
        int ok = 0;
        int refused = 0;
        for (Future<ResponseEntity<String>> future : responses) {
            ResponseEntity<String> response = future.get();
            if (response.getStatusCode().value() == 503) {
                ClassifyApiTest.assertProblem(response, 503, "queue is full");
                assertThat(response.getHeaders().getFirst("Retry-After")).isEqualTo("1");
                refused++;
            } else {
                assertThat(response.getStatusCode().value())
                        .as(response.getBody())
                        .isEqualTo(200);
                ok++;
            }
        }
        clients.shutdown();

        assertThat(ok).as("accepted requests answered").isPositive();
        assertThat(refused).as("requests refused at once").isPositive();
        assertThat(management.get("/actuator/prometheus").getBody())
                .containsPattern("inception_rejected_requests_total\\{[^}]*reason=\"queue_full\"[^}]*\\} [1-9]");
    }
}
