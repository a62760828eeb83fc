package io.inceptionserve.api;

import static io.inceptionserve.api.ServiceClient.image;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM while clients keep the service busy: readiness goes out of service first, new connections
 * are still served during the drain delay, requests in flight and requests sent before a load
 * balancer could notice are all answered, and the process exits. The service runs as a separate JVM so the signal is a real one.
 */
class GracefulShutdownTest {

    private static final int CLIENTS = 6;
    private static final Duration DRAIN_DELAY = Duration.ofSeconds(2);

    /** One request as its client saw it; times in {@link System#nanoTime()}. */
    record Outcome(long sentAt, long answeredAt, int status, String failure) {}

    @Test
    void sigtermUnderLoadAnswersEveryAcceptedRequest() throws Exception {
        ServiceProcess started = ServiceProcess.start(
                "graceful-shutdown-service.log", "--inception.shutdown.drain-delay=" + DRAIN_DELAY.toMillis() + "ms");
        Process service = started.process;
        int port = started.port;
        HttpClient http = HttpClient.newHttpClient();
        URI readiness = started.readiness();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try (started) {
            started.awaitReady(http);
            byte[] png = Files.readAllBytes(image("trouser.png"));
            HttpRequest classify = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/classify"))
                    .header("Content-Type", "image/png")
                    .timeout(Duration.ofMinutes(1))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(png))
                    .build();
            AtomicBoolean sending = new AtomicBoolean(true);
            Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
            for (int i = 0; i < CLIENTS; i++) {
                clients.execute(() -> {
                    while (sending.get()) {
                        outcomes.add(send(http, classify));
                    }
                });
            }
            Thread.sleep(3_000);

            long sigtermAt = System.nanoTime();
            service.destroy();
            int readinessAnswer = awaitReadinessDown(http, readiness);
            long readinessDownAt = System.nanoTime();
            // Until the drain delay ends the server still takes new connections, for load
            // balancers that have not polled readiness yet.
            Outcome newConnectionDuringDrain = send(HttpClient.newHttpClient(), classify);
            // What a load balancer does once readiness fails: no new requests to this instance.
            sending.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(2, TimeUnit.MINUTES))
                    .as("clients finished")
                    .isTrue();
            assertThat(service.waitFor(2, TimeUnit.MINUTES))
                    .as("service exited after SIGTERM")
                    .isTrue();

            List<Outcome> failed =
                    outcomes.stream().filter(o -> o.status() != 200).toList();
            long inFlightAtSigterm = outcomes.stream()
                    .filter(o -> o.sentAt() < sigtermAt && o.answeredAt() > sigtermAt)
                    .count();
            long answeredAfterReadinessDown = outcomes.stream()
                    .filter(o -> o.status() == 200 && o.answeredAt() > readinessDownAt)
                    .count();
            System.out.printf(
                    "graceful shutdown: %d requests, %d in flight at SIGTERM, %d answered after readiness "
                            + "went down (%d), %d failed%n",
                    outcomes.size(), inFlightAtSigterm, answeredAfterReadinessDown, readinessAnswer, failed.size());

            assertThat(failed)
                    .as("accepted requests that were not answered 200")
                    .isEmpty();
            assertThat(inFlightAtSigterm)
                    .as("requests in flight when SIGTERM arrived")
                    .isPositive();
            assertThat(readinessAnswer)
                    .as("readiness status once shutdown began")
                    .isEqualTo(503);
            assertThat(answeredAfterReadinessDown)
                    .as("requests answered after readiness went down")
                    .isPositive();
            assertThat(newConnectionDuringDrain.status())
                    .as("new connection during the drain delay: %s", newConnectionDuringDrain.failure())
                    .isEqualTo(200);
        } finally {
            clients.shutdownNow();
        }
    }

    private static Outcome send(HttpClient http, HttpRequest request) {
        long sentAt = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Outcome(
                    sentAt,
                    System.nanoTime(),
                    response.statusCode(),
                    response.statusCode() == 200 ? null : response.body());
        } catch (IOException e) {
            return new Outcome(sentAt, System.nanoTime(), -1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(sentAt, System.nanoTime(), -1, e.toString());
        }
    }

    /** Polls readiness as a load balancer would, returning the first answer that is not 200 (-1: no answer). */
    private static int awaitReadinessDown(HttpClient http, URI readiness) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            int status = ServiceProcess.status(http, readiness);
            if (status != 200) {
                return status;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("readiness still up 30 s after SIGTERM");
    }
}
