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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGTERM while 16 clients send over raw sockets (a new connection per request, or one kept
 * alive) to a service in its own JVM. Each attempt ends in one of the {@link Ending}s, told apart
 * on the wire: a request fully sent whose connection ends before any byte of answer was never read
 * by the server (it answers every request it reads). On a new connection it waited in the kernel's
 * accept queue when the listening socket closed; on a kept-alive one it followed the answer in
 * flight at the pause, after which the server closes the connection.
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
    record Attempt(Ending ending, int status, boolean connectionClose, boolean reusedConnection, long endedAt) {}

    /** A connection per request, or connections kept alive across requests (and the SIGTERM). */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void withoutADrainDelayOnlyRequestsTheServerNeverReadAreLost(boolean keepAlive) throws Exception {
        try (ServiceProcess service =
                ServiceProcess.start("shutdown-under-load-service.log", "--inception.shutdown.drain-delay=0s")) {
            service.awaitReady(HttpClient.newHttpClient());
            List<Attempt> attempts = sigtermUnderLoad(service, keepAlive, () -> true);
            report(
                    "drain delay 0 s, clients send until refused" + (keepAlive ? ", connections kept alive" : ""),
                    attempts);

            assertEveryAnswerIs200Or503WithConnectionClose(attempts);
            List<Attempt> lost = endedAs(attempts, Ending.LOST_UNREAD);
            List<Attempt> lostOnNewConnections =
                    lost.stream().filter(attempt -> !attempt.reusedConnection()).toList();
            // One connection at most per client waits in the accept queue, and all of them are reset
            // together, when the listening socket closes.
            assertThat(lostOnNewConnections.size())
                    .as("requests lost unread on new connections")
                    .isLessThanOrEqualTo(CLIENTS);
            if (!lostOnNewConnections.isEmpty()) {
                long first = lostOnNewConnections.stream()
                        .mapToLong(Attempt::endedAt)
                        .min()
                        .orElseThrow();
                long last = lostOnNewConnections.stream()
                        .mapToLong(Attempt::endedAt)
                        .max()
                        .orElseThrow();
                assertThat(TimeUnit.NANOSECONDS.toMillis(last - first))
                        .as("milliseconds between the first and the last new connection lost unread")
                        .isLessThan(1_000);
            }
            // A kept-alive connection is closed by the server once its request in flight at the
            // pause is answered, an answer that does not say Connection: close: at most one request
            // per client, sent after it, is lost unread.
            assertThat(lost.size() - lostOnNewConnections.size())
                    .as("requests lost unread on kept-alive connections")
                    .isLessThanOrEqualTo(keepAlive ? CLIENTS : 0);
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
            List<Attempt> attempts = sigtermUnderLoad(service, false, ready::get);
            balancer.interrupt();
            report("drain delay 2 s, clients stop when readiness goes down", attempts);

            assertEveryAnswerIs200Or503WithConnectionClose(attempts);
            assertThat(attempts)
                    .as("every request sent while readiness was up answered")
                    .allMatch(attempt -> attempt.ending() == Ending.ANSWERED);
        }
    }

    /** Sixteen clients (a connection per request, or kept alive) sending while {@code sendMore} holds; SIGTERM after 3 s; every attempt once they stop. */
    private static List<Attempt> sigtermUnderLoad(ServiceProcess service, boolean keepAlive, BooleanSupplier sendMore)
            throws Exception {
        byte[] request = request(Files.readAllBytes(ServiceClient.image("trouser.png")), keepAlive);
        Queue<Attempt> attempts = new ConcurrentLinkedQueue<>();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            for (int i = 0; i < CLIENTS; i++) {
                clients.execute(() -> {
                    Client client = new Client(service.port, keepAlive, request);
                    try {
                        for (int sent = 0; sent < MAX_REQUESTS_PER_CLIENT && sendMore.getAsBoolean(); sent++) {
                            Attempt attempt = client.send();
                            attempts.add(attempt);
                            if (attempt.ending() == Ending.REFUSED) {
                                return;
                            }
                        }
                    } finally {
                        client.close();
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

    /**
     * One client's connection: a new one for each request, or with keep-alive the same one until
     * the server closes it.
     */
    private static final class Client {
        private final int port;
        private final boolean keepAlive;
        private final byte[] request;
        private Socket socket;

        Client(int port, boolean keepAlive, byte[] request) {
            this.port = port;
            this.keepAlive = keepAlive;
            this.request = request;
        }

        Attempt send() {
            boolean reused = socket != null;
            if (!reused) {
                try {
                    socket = new Socket("localhost", port);
                    socket.setSoTimeout(READ_TIMEOUT_MILLIS);
                } catch (ConnectException e) {
                    return ended(Ending.REFUSED, reused);
                } catch (IOException e) {
                    return ended(Ending.NOT_SENT, reused);
                }
            }
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
            } catch (IOException e) {
                return ended(Ending.NOT_SENT, reused);
            }
            InputStream in;
            int first;
            try {
                in = socket.getInputStream();
                first = in.read();
            } catch (IOException e) {
                return ended(Ending.LOST_UNREAD, reused);
            }
            if (first < 0) {
                return ended(Ending.LOST_UNREAD, reused);
            }
            try {
                RawHttp.Answer answer =
                        RawHttp.read(new SequenceInputStream(new ByteArrayInputStream(new byte[] {(byte) first}), in));
                boolean connectionClose = "close".equalsIgnoreCase(answer.header("Connection"));
                if (!keepAlive || connectionClose) {
                    close();
                }
                return new Attempt(Ending.ANSWERED, answer.status(), connectionClose, reused, System.nanoTime());
            } catch (IOException e) {
                return ended(Ending.CUT, reused);
            }
        }

        private Attempt ended(Ending ending, boolean reused) {
            close();
            return new Attempt(ending, -1, false, reused, System.nanoTime());
        }

        void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // Already reset: nothing left to release.
                }
                socket = null;
            }
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
        line.append(" (")
                .append(attempts.stream()
                        .filter(a -> a.ending() == Ending.LOST_UNREAD && a.reusedConnection())
                        .count())
                .append(" on a kept-alive connection), answered 503: ")
                .append(attempts.stream().filter(a -> a.status() == 503).count());
        System.out.println(line);
    }

    /** A raw {@code POST /classify} of the image as the whole body, on a connection kept alive or not. */
    private static byte[] request(byte[] png, boolean keepAlive) {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("POST /classify HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\n"
                        + (keepAlive ? "" : "Connection: close\r\n")
                        + "Content-Length: " + png.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        request.writeBytes(png);
        return request.toByteArray();
    }
}
