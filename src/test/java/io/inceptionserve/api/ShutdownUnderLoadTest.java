package io.inceptionserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM while 16 clients send over raw sockets, a new connection per request, in a service of
 * its own JVM. Each attempt ends in one of the {@link Ending}s, told apart on the wire: a request
 * fully sent whose connection ends before any byte of answer was never read by the server (it
 * answers every request it reads), and can only have waited in the kernel's accept queue when the
 * listening socket closed.
 */
class ShutdownUnderLoadTest {

    private static final int CLIENTS = 16;
    private static final int MAX_REQUESTS_PER_CLIENT = 400;
    private static final int READ_TIMEOUT_MILLIS = 60_000;

    enum Ending {
        /** A whole answer: its status is in {@link Attempt#status}. */
        ANSWERED,
        /** The connection was refused: nothing was sent, the client knows it can retry. */
        REFUSED,
        /** The request could not be written whole. */
        NOT_SENT,
        /** Fully sent, then the connection ended (reset or closed) before any byte of answer. */
        LOST_UNREAD,
        /** Part of an answer, then the connection ended. */
        CUT
    }

    /** One request as its client saw it; {@code endedAt} in {@link System#nanoTime()}. */
    record Attempt(Ending ending, int status, boolean connectionClose, long endedAt) {}

    @Test
    void withoutADrainDelayOnlyConnectionsQueuedInTheKernelAtTheCloseAreLost() throws Exception {
        try (ServiceProcess service =
                ServiceProcess.start("shutdown-under-load-service.log", "--inception.shutdown.drain-delay=0s")) {
            service.awaitReady(HttpClient.newHttpClient());
            List<Attempt> attempts = sigtermUnderLoad(service, () -> true);
            report("drain delay 0 s, clients send until refused", attempts);

            assertEveryAnswerIs200Or503WithConnectionClose(attempts);
            List<Attempt> lost = endedAs(attempts, Ending.LOST_UNREAD);
            // One connection at most per client waits in the accept queue, and all of them are reset
            // together, when the listening socket closes.
            assertThat(lost.size()).as("requests lost unread").isLessThanOrEqualTo(CLIENTS);
            if (!lost.isEmpty()) {
                long first = lost.stream().mapToLong(Attempt::endedAt).min().orElseThrow();
                long last = lost.stream().mapToLong(Attempt::endedAt).max().orElseThrow();
                assertThat(TimeUnit.NANOSECONDS.toMillis(last - first))
                        .as("milliseconds between the first and the last connection lost unread")
                        .isLessThan(1_000);
            }
            assertThat(endedAs(attempts, Ending.REFUSED))
                    .as("clients sent until the service refused connections")
                    .isNotEmpty();
        }
    }

    @Test
    void aClientThatStopsWhenReadinessGoesDownLosesNothing() throws Exception {
        // As the chart shuts down: readiness out of service, then a drain delay while everything is
        // still served, then the graceful shutdown of the web server (its preStop sleep is 10 s).
        try (ServiceProcess service =
                ServiceProcess.start("shutdown-drained-service.log", "--inception.shutdown.drain-delay=2s")) {
            HttpClient http = HttpClient.newHttpClient();
            service.awaitReady(http);
            AtomicBoolean ready = new AtomicBoolean(true);
            Thread balancer = new Thread(() -> {
                // Polls readiness as a load balancer does, every 100 ms.
                try {
                    while (ServiceProcess.status(http, service.readiness()) == 200) {
                        Thread.sleep(100);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ready.set(false);
            });
            balancer.setDaemon(true);
            balancer.start();
            List<Attempt> attempts = sigtermUnderLoad(service, ready::get);
            balancer.interrupt();
            report("drain delay 2 s, clients stop when readiness goes down", attempts);

            assertEveryAnswerIs200Or503WithConnectionClose(attempts);
            assertThat(attempts)
                    .as("every request sent while readiness was up answered")
                    .allMatch(attempt -> attempt.ending() == Ending.ANSWERED);
        }
    }

    /** Sixteen clients sending while {@code sendMore} holds; SIGTERM after 3 s; every attempt once they stop. */
    private static List<Attempt> sigtermUnderLoad(ServiceProcess service, BooleanSupplier sendMore) throws Exception {
        byte[] request = request(Files.readAllBytes(ServiceClient.image("trouser.png")));
        Queue<Attempt> attempts = new ConcurrentLinkedQueue<>();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            for (int i = 0; i < CLIENTS; i++) {
                clients.execute(() -> {
                    for (int sent = 0; sent < MAX_REQUESTS_PER_CLIENT && sendMore.getAsBoolean(); sent++) {
                        Attempt attempt = send(service.port, request);
                        attempts.add(attempt);
                        if (attempt.ending() == Ending.REFUSED) {
                            return;
                        }
                    }
                });
            }
            Thread.sleep(3_000);
            service.process.destroy();
            clients.shutdown();
            assertThat(clients.awaitTermination(2, TimeUnit.MINUTES))
                    .as("clients finished")
                    .isTrue();
            assertThat(service.process.waitFor(2, TimeUnit.MINUTES))
                    .as("service exited after SIGTERM")
                    .isTrue();
            return List.copyOf(attempts);
        } finally {
            clients.shutdownNow();
        }
    }

    private static Attempt send(int port, byte[] request) {
        Socket socket;
        try {
            socket = new Socket("localhost", port);
        } catch (ConnectException e) {
            return new Attempt(Ending.REFUSED, -1, false, System.nanoTime());
        } catch (IOException e) {
            return new Attempt(Ending.NOT_SENT, -1, false, System.nanoTime());
        }
        try (socket) {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
            } catch (IOException e) {
                return new Attempt(Ending.NOT_SENT, -1, false, System.nanoTime());
            }
            InputStream in = socket.getInputStream();
            int first;
            try {
                first = in.read();
            } catch (IOException e) {
                return new Attempt(Ending.LOST_UNREAD, -1, false, System.nanoTime());
            }
            if (first < 0) {
                return new Attempt(Ending.LOST_UNREAD, -1, false, System.nanoTime());
            }
            try {
                RawHttp.Answer answer =
                        RawHttp.read(new SequenceInputStream(new ByteArrayInputStream(new byte[] {(byte) first}), in));
                return new Attempt(
                        Ending.ANSWERED,
                        answer.status(),
                        "close".equalsIgnoreCase(answer.header("Connection")),
                        System.nanoTime());
            } catch (IOException e) {
                return new Attempt(Ending.CUT, -1, false, System.nanoTime());
            }
        } catch (IOException e) {
            return new Attempt(Ending.CUT, -1, false, System.nanoTime());
        }
    }

    private static void assertEveryAnswerIs200Or503WithConnectionClose(List<Attempt> attempts) {
        assertThat(endedAs(attempts, Ending.CUT)).as("answers cut").isEmpty();
        assertThat(endedAs(attempts, Ending.ANSWERED))
                .as("answers other than 200, or 503 with Connection: close")
                .allMatch(attempt -> attempt.status() == 200 || (attempt.status() == 503 && attempt.connectionClose()));
    }

    private static List<Attempt> endedAs(List<Attempt> attempts, Ending ending) {
        return attempts.stream().filter(attempt -> attempt.ending() == ending).toList();
    }

    private static void report(String run, List<Attempt> attempts) {
        StringBuilder line = new StringBuilder("shutdown under load (" + run + "): " + attempts.size() + " attempts");
        for (Ending ending : Ending.values()) {
            line.append(", ")
                    .append(endedAs(attempts, ending).size())
                    .append(' ')
                    .append(ending);
        }
        line.append(", answered 503: ")
                .append(attempts.stream().filter(a -> a.status() == 503).count());
        System.out.println(line);
    }

    /** A raw {@code POST /classify} of the image as the whole body, on a connection of its own. */
    private static byte[] request(byte[] png) {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("POST /classify HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\n"
                        + "Connection: close\r\nContent-Length: " + png.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        request.writeBytes(png);
        return request.toByteArray();
    }
}
