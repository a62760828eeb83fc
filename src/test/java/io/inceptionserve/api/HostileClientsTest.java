package io.inceptionserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.ResponseEntity;

/**
 * No client can hold the service: while twice as many connections as there are request threads
 * stall in the middle of their bodies, and another client sends the heaviest allowed request (32
 * images of 7000×7000) in a loop, a small request is answered within 1 s, every time.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "server.tomcat.threads.max=" + HostileClientsTest.THREADS,
            "inception.reliability.upload-rate-grace=3s",
            // One heavy image decodes at a time (the default sizes the budget from the heap).
            "inception.reliability.decode-pixel-budget=60000000"
        })
class HostileClientsTest extends RunningServiceTest {

    static final int THREADS = 40;
    private static final Duration RUN = Duration.ofSeconds(Long.getLong("hostile.seconds", 30));
    private static final long SMALL_LIMIT_MILLIS = 1_000;
    private static final String CRLF = "\r\n";

    @TempDir
    Path work;

    @Test
    void aSmallRequestIsAnsweredWithinASecondWhileOthersStallAndOverload() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger stallsAnswered = new AtomicInteger();
        List<Integer> stallStatuses = Collections.synchronizedList(new ArrayList<>());
        List<Thread> stallers = new ArrayList<>();
        for (int i = 0; i < 2 * THREADS; i++) {
            Thread staller = new Thread(() -> {
                while (running.get()) {
                    try {
                        stallStatuses.add(stall());
                        stallsAnswered.incrementAndGet();
                    } catch (IOException e) {
                        // Refused or reset: stall again.
                    }
                }
            });
            staller.setDaemon(true);
            staller.start();
            stallers.add(staller);
        }

        Path heavy = heavyImage();
        List<Path> heaviest = Collections.nCopies(32, heavy);
        ConcurrentHashMap<Integer, AtomicInteger> heavyStatuses = new ConcurrentHashMap<>();
        Thread heavyClient = new Thread(() -> {
            while (running.get()) {
                try {
                    int status = client.classify("", heaviest).getStatusCode().value();
                    heavyStatuses
                            .computeIfAbsent(status, s -> new AtomicInteger())
                            .incrementAndGet();
                } catch (Exception e) {
                    heavyStatuses.computeIfAbsent(-1, s -> new AtomicInteger()).incrementAndGet();
                }
            }
        });
        heavyClient.setDaemon(true);
        heavyClient.start();

        // Let the stallers and the first heavy request take their places.
        Thread.sleep(2_000);
        List<Long> millis = new ArrayList<>();
        List<Integer> statuses = new ArrayList<>();
        long end = System.nanoTime() + RUN.toNanos();
        while (System.nanoTime() < end) {
            long started = System.nanoTime();
            ResponseEntity<String> answer = client.classify("", List.of(ServiceClient.image("trouser.png")));
            millis.add((System.nanoTime() - started) / 1_000_000);
            statuses.add(answer.getStatusCode().value());
            Thread.sleep(250);
        }
        running.set(false);

        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        System.out.printf(
                "hostile clients, %d s: %d small requests, statuses %s, latency p50 %d ms, max %d ms; %d stalled"
                        + " connections answered (statuses %s); heavy requests by status %s%n",
                RUN.toSeconds(),
                millis.size(),
                statuses.stream().distinct().toList(),
                sorted.get(sorted.size() / 2),
                sorted.get(sorted.size() - 1),
                stallsAnswered.get(),
                stallStatuses.stream().distinct().toList(),
                heavyStatuses);
        assertThat(statuses).containsOnly(200);
        assertThat(sorted.get(sorted.size() - 1)).isLessThan(SMALL_LIMIT_MILLIS);
        assertThat(stallStatuses).isNotEmpty().containsOnly(408);
    }

    /** Sends the headers and 50 bytes of a 100 kB body, then waits for the answer. */
    private int stall() throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /classify HTTP/1.1" + CRLF + "Host: localhost" + CRLF + "Content-Type: image/png" + CRLF
                            + "Content-Length: 100000" + CRLF + CRLF)
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(new byte[50]);
            out.flush();
            InputStream in = socket.getInputStream();
            return RawHttp.read(in).status();
        }
    }

    /** A 7000×7000 PNG: within the pixel limit, a few hundred kB encoded, 49 million pixels decoded. */
    private Path heavyImage() throws IOException {
        BufferedImage image = new BufferedImage(7000, 7000, BufferedImage.TYPE_BYTE_GRAY);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        Path file = work.resolve("heavy.png");
        Files.write(file, png.toByteArray());
        return file;
    }
}
