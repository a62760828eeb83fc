package io.inceptionserve.bench;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * Hostile clients mixed into the soak: connections that stall in the middle of their bodies, one
 * client sending the heaviest allowed request (32 images of 7000×7000) in a loop, and clients
 * that send a request and disconnect at once. Each kind counts its answers by status.
 */
final class HostileMix {

    private static final String CRLF = "\r\n";
    private static final int HEAVY_SIDE = 7000;
    private static final int HEAVY_IMAGES = 32;

    private final String host;
    private final int port;
    private final String path;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final Map<String, Map<Integer, AtomicInteger>> answers = new ConcurrentHashMap<>();
    private final AtomicInteger disconnected = new AtomicInteger();

    HostileMix(String host, int port, String path) {
        this.host = host;
        this.port = port;
        this.path = path;
    }

    /** Starts {@code stalled} stalling connections, one heavy client and one disconnecting client. */
    void start(int stalled, byte[] smallImage) throws IOException {
        for (int i = 0; i < stalled; i++) {
            loop("stalled", this::stall);
        }
        byte[] heavy = multipart(heavyPng(), HEAVY_IMAGES);
        loop("heavy", () -> exchange(heavy, false));
        byte[] small = multipart(smallImage, 1);
        loop("disconnecting", () -> exchange(small, true));
    }

    /** Stops the clients and describes what each kind was answered. */
    String stop() throws InterruptedException {
        running.set(false);
        for (Thread thread : threads) {
            thread.join(70_000);
        }
        Map<String, Map<Integer, AtomicInteger>> sorted = new TreeMap<>(answers);
        return "hostile clients, answers by status: " + sorted + "; requests sent then dropped: " + disconnected.get();
    }

    private interface Client {
        int call() throws IOException;
    }

    private void loop(String kind, Client client) {
        Thread thread = new Thread(
                () -> {
                    while (running.get()) {
                        int status;
                        try {
                            status = client.call();
                        } catch (IOException e) {
                            status = -1;
                        }
                        if (status != 0) {
                            answers.computeIfAbsent(kind, k -> new ConcurrentHashMap<>())
                                    .computeIfAbsent(status, s -> new AtomicInteger())
                                    .incrementAndGet();
                        }
                    }
                },
                "hostile-" + kind);
        thread.setDaemon(true);
        thread.start();
        threads.add(thread);
    }

    /** Headers and 50 bytes of a 100 kB body, then nothing: the answer's status. */
    private int stall() throws IOException {
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(head("image/png", 100_000));
            out.write(new byte[50]);
            out.flush();
            return status(socket.getInputStream());
        }
    }

    /** Sends a whole request; either reads the answer's status or disconnects at once (0). */
    private int exchange(byte[] multipartBody, boolean disconnect) throws IOException {
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(120_000);
            OutputStream out = socket.getOutputStream();
            out.write(head("multipart/form-data; boundary=b", multipartBody.length));
            out.write(multipartBody);
            out.flush();
            if (disconnect) {
                socket.setSoLinger(true, 0);
                disconnected.incrementAndGet();
                sleepQuietly();
                return 0;
            }
            return status(socket.getInputStream());
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private byte[] head(String contentType, int length) {
        return ("POST " + path + " HTTP/1.1" + CRLF + "Host: " + host + CRLF + "Content-Type: " + contentType + CRLF
                        + "Content-Length: " + length + CRLF + "Connection: close" + CRLF + CRLF)
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The status code of the answer's first line. */
    private static int status(InputStream in) throws IOException {
        byte[] line = new byte[12];
        int read = 0;
        while (read < line.length) {
            int n = in.read(line, read, line.length - read);
            if (n < 0) {
                throw new IOException("closed before the status line");
            }
            read += n;
        }
        return Integer.parseInt(new String(line, 9, 3, StandardCharsets.ISO_8859_1));
    }

    private static byte[] multipart(byte[] image, int copies) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < copies; i++) {
            body.write(("--b" + CRLF + "Content-Disposition: form-data; name=\"image\"; filename=\"" + i + ".png\""
                            + CRLF + "Content-Type: image/png" + CRLF + CRLF)
                    .getBytes(StandardCharsets.ISO_8859_1));
            body.write(image);
            body.write(CRLF.getBytes(StandardCharsets.ISO_8859_1));
        }
        body.write(("--b--" + CRLF).getBytes(StandardCharsets.ISO_8859_1));
        return body.toByteArray();
    }

    /** Within the pixel limit, a few hundred kB encoded, 49 million pixels decoded. */
    private static byte[] heavyPng() throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(HEAVY_SIDE, HEAVY_SIDE, BufferedImage.TYPE_BYTE_GRAY), "png", png);
        return png.toByteArray();
    }
}
