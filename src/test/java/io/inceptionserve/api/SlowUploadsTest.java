package io.inceptionserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.api.RawHttp.Answer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.ResponseEntity;

/**
 * Uploads are judged by their rate, with the default settings: a phone that pauses mid-upload is
 * served, a trickle is cut, and a trickle declaring a large body holds only what it sent.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SlowUploadsTest extends RunningServiceTest {

    private static final String CRLF = "\r\n";
    /** The largest body the service accepts; four of them declared are the whole upload budget. */
    private static final long DECLARED_BYTES = 64L << 20;

    @Test
    void anUploadThatPausesFiveSecondsMidwayIsServed() throws Exception {
        byte[] photo = noisyPng(800, 800);
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(head("/classify", "image/png", photo.length));
            int half = photo.length / 2;
            out.write(photo, 0, half);
            out.flush();
            Thread.sleep(5_000);
            out.write(photo, half, photo.length - half);
            out.flush();
            Answer answer = RawHttp.read(socket.getInputStream());

            assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        }
    }

    @Test
    void tricklesDeclaringTheWholeBudgetAreCutAndKeepNoSmallUploadOut() throws Exception {
        List<Socket> trickles = new ArrayList<>();
        List<Thread> senders = new ArrayList<>();
        long started = System.nanoTime();
        try {
            for (int i = 0; i < 4; i++) {
                Socket socket = new Socket("localhost", port);
                socket.setSoTimeout(30_000);
                trickles.add(socket);
                Thread sender = new Thread(() -> trickle(socket));
                sender.setDaemon(true);
                sender.start();
                senders.add(sender);
            }
            // Every trickle has sent its headers and a byte: the service has taken them in.
            Thread.sleep(1_000);

            ResponseEntity<String> small = client.classify("", List.of(ServiceClient.image("trouser.png")));
            assertThat(small.getStatusCode().value())
                    .as("a small upload beside four trickles declaring 64 MB each: %s", small.getBody())
                    .isEqualTo(200);

            for (Socket socket : trickles) {
                Answer answer = RawHttp.read(socket.getInputStream());
                assertThat(answer.status()).as(answer.toString()).isEqualTo(408);
                assertThat(answer.body()).contains("under the minimum of 500 bytes a second");
            }
            long seconds = (System.nanoTime() - started) / 1_000_000_000;
            assertThat(seconds)
                    .as("cut after the 5 s grace, before the 10 s deadline")
                    .isLessThan(10);
        } finally {
            for (Socket socket : trickles) {
                socket.close();
            }
            for (Thread sender : senders) {
                sender.join(5_000);
            }
        }
    }

    /** Declares the largest body and sends it one byte every 2 s until the service hangs up. */
    private void trickle(Socket socket) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(head("/classify", "image/png", DECLARED_BYTES));
            while (true) {
                out.write(0x89);
                out.flush();
                Thread.sleep(2_000);
            }
        } catch (IOException | InterruptedException e) {
            // Cut by the service, or closed by the test.
        }
    }

    private static byte[] head(String path, String contentType, long contentLength) {
        return ("POST " + path + " HTTP/1.1" + CRLF + "Host: localhost" + CRLF + "Content-Type: " + contentType + CRLF
                        + "Content-Length: " + contentLength + CRLF + CRLF)
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A photo-sized PNG that does not compress: about 2 MB. */
    private static byte[] noisyPng(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(30);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return png.toByteArray();
    }
}
