package io.inceptionserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.inference.ModelRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.ResponseEntity;

/**
 * A client that goes away while its images wait in the queue has them dropped before their
 * forward pass, on the REST API and on the Open Inference Protocol alike: 100 clients send a
 * request each behind a queue of 320 images, and close their
 * connections (half of them with a reset) once their images are queued. None of their images is
 * computed, every one is counted as cancelled, their requests end with status 499 (nginx's "client
 * closed request"), and the patient clients' requests all succeed.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "inception.inference.queue-capacity=1000",
            // Far past the time the patient images take one by one on a loaded machine, so that none
            // expires in the queue.
            "inception.inference.request-timeout=180s",
            // One image per forward pass on one thread: the queue takes seconds to drain.
            "inception.inference.cpu.max-batch-size=1",
            "inception.inference.cpu.forward-threads=1",
            "inception.inference.cpu.workers=1",
            "inception.reliability.disconnect-check-interval=200ms"
        })
class DisconnectedClientsTest extends RunningServiceTest {

    private static final String MODEL = "inception-v2";
    private static final int PATIENT_REQUESTS = 10;
    private static final int IMAGES_PER_PATIENT_REQUEST = 32;
    private static final int LEAVING_CLIENTS = 100;
    /**
     * Images taken from the queue whose forward pass has not ended: counted neither as queued nor
     * as computed. At most one (one worker, batches of one), and one whenever images wait.
     */
    private static final int IN_FORWARD_PASS = 1;

    @Autowired
    MeterRegistry meters;

    @Autowired
    ModelRegistry models;

    /** The REST API and the Open Inference Protocol, each with a raw image body. */
    @ParameterizedTest
    @ValueSource(strings = {"/classify?model=" + MODEL, "/v2/models/" + MODEL + "/infer"})
    void imagesOfClientsThatWentAwayMidQueueAreNeitherComputedNorAnswered(String target) throws Exception {
        double computedBefore = computed();
        double cancelledBefore = cancelled();
        long clientErrorsBefore = endedAs("client_error");
        Path image = ServiceClient.image("trouser.png");
        ExecutorService patientClients = Executors.newFixedThreadPool(PATIENT_REQUESTS);
        List<Future<ResponseEntity<String>>> patient = new ArrayList<>();
        for (int i = 0; i < PATIENT_REQUESTS; i++) {
            patient.add(patientClients.submit(() -> client.classify(
                    "?model=" + MODEL + "&topK=1", Collections.nCopies(IMAGES_PER_PATIENT_REQUEST, image))));
        }
        int patientImages = PATIENT_REQUESTS * IMAGES_PER_PATIENT_REQUEST;
        // The patient requests' images are queued 32 at a time, so one short is the image in its
        // forward pass, never a request still on its way.
        awaitUntil(() -> queued(computedBefore) >= patientImages - IN_FORWARD_PASS);

        byte[] request = rawRequest(target, Files.readAllBytes(image));
        List<Socket> leaving = new ArrayList<>();
        for (int i = 0; i < LEAVING_CLIENTS; i++) {
            Socket socket = new Socket("localhost", port);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            leaving.add(socket);
        }
        // Every leaving client's image is in the queue (or already answered as computed, which the
        // assertions below would catch) before any of them goes away. A patient image is in its
        // forward pass nearly always, so one short is that image's; in the instant between two
        // passes it is a leaving client's, whose whole request was read, and which is then
        // cancelled behind the patient images all the same.
        awaitUntil(() -> queued(computedBefore) >= patientImages + LEAVING_CLIENTS - IN_FORWARD_PASS);
        assertThat(computed() - computedBefore)
                .as("images computed before the clients left")
                .isLessThan(patientImages);
        for (int i = 0; i < leaving.size(); i++) {
            Socket socket = leaving.get(i);
            if (i % 2 == 0) {
                socket.setSoLinger(true, 0); // a reset instead of an orderly close
            }
            socket.close();
        }

        for (Future<ResponseEntity<String>> answer : patient) {
            assertThat(answer.get().getStatusCode().value()).isEqualTo(200);
        }
        patientClients.shutdown();
        awaitUntil(() -> models.models().require(MODEL).queueDepth() == 0);
        assertThat(computed() - computedBefore).isEqualTo(patientImages);
        assertThat(cancelled() - cancelledBefore).isEqualTo(LEAVING_CLIENTS);
        // Ended as nginx ends them ("client closed request"), not as errors of the service.
        awaitUntil(() -> endedAs("client_error") - clientErrorsBefore == LEAVING_CLIENTS);
        assertThat(meters.find("http.server.requests").tag("status", "499").timers())
                .isNotEmpty();
        assertThat(meters.find("http.server.requests").tag("status", "500").timers())
                .isEmpty();
        assertThat(client.classify("?model=" + MODEL, List.of(image))
                        .getStatusCode()
                        .value())
                .isEqualTo(200);
    }

    /**
     * Images computed since {@code computedBefore} plus images waiting: this run's images that
     * reached the queue, less those in a forward pass (computed only once it ends).
     */
    private double queued(double computedBefore) {
        return computed() - computedBefore + models.models().require(MODEL).queueDepth();
    }

    private double computed() {
        DistributionSummary batches =
                meters.find("inception.batch.size").tag("model", MODEL).summary();
        return batches == null ? 0 : batches.totalAmount();
    }

    private double cancelled() {
        Counter counter = meters.find("inception.rejected.images")
                .tags("model", MODEL, "reason", "cancelled")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private long endedAs(String outcome) {
        var requests = meters.find("inception.requests")
                .tags("model", MODEL, "outcome", outcome)
                .timer();
        return requests == null ? 0 : requests.count();
    }

    /** The image as the whole body; the protocol is told so by a JSON header of length 0. */
    private static byte[] rawRequest(String target, byte[] png) {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("POST " + target + " HTTP/1.1\r\nHost: localhost\r\n"
                        + (target.startsWith("/v2/")
                                ? "Content-Type: application/octet-stream\r\nInference-Header-Content-Length: 0\r\n"
                                : "Content-Type: image/png\r\n")
                        + "Content-Length: " + png.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        request.writeBytes(png);
        return request.toByteArray();
    }

    private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 60 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
