package io.inceptionserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The heaviest requests against the container image's JVM settings (a 1,229 MB heap, exit on
 * out-of-memory), in a JVM of their own: bombs refused at once, near-limit images and 49 MB pixel
 * tensors sent together each served or refused 503, and the service still up after them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerHeapTest {

    private static final String HEAP = "-Xmx1229m";
    private static final long REQUEST_TIMEOUT_MILLIS = 10_000;

    private final HttpClient http = HttpClient.newHttpClient();
    private ServiceProcess service;
    private Path log;
    private int port;
    private int managementPort;

    @BeforeAll
    void start() throws Exception {
        service = ServiceProcess.start("container-heap-service.log", List.of(HEAP, "-XX:+ExitOnOutOfMemoryError"));
        port = service.port;
        managementPort = service.managementPort;
        log = service.log();
        service.awaitReady(http);
    }

    @AfterAll
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void theLimitsInForceAreConsistentAndSaySo() throws Exception {
        HttpResponse<String> info = http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + managementPort + "/actuator/info"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(info.body())
                .contains("\"maxImagePixels\":50000000")
                .contains("\"decodePixelBudget\":50000000")
                .contains("decode-pixel-budget raised from");
        assertThat(Files.readString(log)).contains("Image limits made consistent: decode-pixel-budget raised from");
    }

    @Test
    void bombsAreRefused413AtOnce() throws Exception {
        for (String format : ImageBombs.FORMATS) {
            byte[] bomb = ImageBombs.of(format, ImageBombsTest.SIDE, ImageBombsTest.SIDE);
            ImageBombsTest.assertRefusedAtOnce(
                    format + " on /classify",
                    ImageBombsTest.post(http, port, "/classify", "image/" + format, bomb, null));
            ImageBombsTest.assertRefusedAtOnce(
                    format + " on /v2",
                    ImageBombsTest.post(http, port, ImageBombsTest.v2Infer(), "application/octet-stream", bomb, "0"));
        }
    }

    @Test
    void nearLimitImagesSentTogetherAreServedOr503OnlyPastTheirDeadline() throws Exception {
        byte[] png = nearLimitPng();
        for (int clients : new int[] {2, 4}) {
            List<ImageBombsTest.Answer> answers =
                    together(clients, () -> ImageBombsTest.post(http, port, "/classify", "image/png", png, null));
            System.out.printf("%d near-limit images at once: %s%n", clients, summary(answers));
            for (ImageBombsTest.Answer answer : answers) {
                if (answer.status() != 200) {
                    assertThat(answer.status()).as(answer.body()).isEqualTo(503);
                    assertThat(answer.millis())
                            .as("a 503 comes only past the deadline")
                            .isGreaterThanOrEqualTo(REQUEST_TIMEOUT_MILLIS);
                }
            }
            assertThat(answers).anyMatch(answer -> answer.status() == 200);
            assertThat(service.process.isAlive()).isTrue();
        }
    }

    @Test
    void pixelTensorsSentTogetherNeverEndTheService() throws Exception {
        int side = 7_000;
        byte[] body = uint8Tensor(side, side);
        for (int clients : new int[] {3, 8}) {
            List<ImageBombsTest.Answer> answers = together(
                    clients,
                    () -> ImageBombsTest.post(
                            http,
                            port,
                            ImageBombsTest.v2Infer(),
                            "application/octet-stream",
                            body,
                            headerLength(body)));
            System.out.printf(
                    "%d 49 MB UINT8 tensors at once: %s; refusals: %s%n",
                    clients,
                    summary(answers),
                    answers.stream()
                            .filter(answer -> answer.status() != 200)
                            .map(ImageBombsTest.Answer::body)
                            .distinct()
                            .toList());
            assertThat(service.process.isAlive())
                    .as("service alive:\n%s", tail())
                    .isTrue();
            assertThat(answers)
                    .allSatisfy(answer ->
                            assertThat(answer.status()).as(answer.body()).isIn(200, 503));
            assertThat(answers)
                    .filteredOn(answer -> answer.status() == 503)
                    .allSatisfy(answer -> assertThat(answer.body()).containsAnyOf("retry", "deadline"));
        }
        byte[] over = uint8Tensor(1, 60_000_000);
        ImageBombsTest.Answer answer = ImageBombsTest.post(
                http, port, ImageBombsTest.v2Infer(), "application/octet-stream", over, headerLength(over));
        assertThat(answer.status()).as(answer.body()).isEqualTo(413);
        assertThat(ImageBombsTest.post(
                                http,
                                port,
                                "/classify",
                                "image/png",
                                Files.readAllBytes(ServiceClient.image("trouser.png")),
                                null)
                        .status())
                .isEqualTo(200);
    }

    private List<ImageBombsTest.Answer> together(int clients, Callable<ImageBombsTest.Answer> request)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<ImageBombsTest.Answer>> futures = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                futures.add(pool.submit(request));
            }
            List<ImageBombsTest.Answer> answers = new ArrayList<>();
            for (Future<ImageBombsTest.Answer> future : futures) {
                try {
                    answers.add(future.get(2, TimeUnit.MINUTES));
                } catch (java.util.concurrent.ExecutionException e) {
                    answers.add(new ImageBombsTest.Answer(-1, e.getCause().toString(), -1));
                }
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }

    private static String summary(List<ImageBombsTest.Answer> answers) {
        return answers.stream()
                .map(answer -> answer.status() + " in " + answer.millis() + " ms")
                .toList()
                .toString();
    }

    /** One grey image of {@code width × height} as a binary UINT8 tensor [1, H, W, 1]: JSON header, then the pixels. */
    private static byte[] uint8Tensor(int height, int width) {
        int pixels = height * width;
        byte[] json = ("{\"inputs\":[{\"name\":\"pixels\",\"shape\":[1," + height + "," + width + ",1],"
                        + "\"datatype\":\"UINT8\",\"parameters\":{\"binary_data_size\":" + pixels + "}}]}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[json.length + pixels];
        System.arraycopy(json, 0, body, 0, json.length);
        for (int i = json.length; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        return body;
    }

    private static String headerLength(byte[] body) {
        int end = 0;
        while (body[end] != '}' || body[end + 1] != ']' || body[end + 2] != '}') {
            end++;
        }
        return Integer.toString(end + 3);
    }

    /** A 7000×7000 PNG: 49 M pixels, just under the 50 M limit. */
    private static byte[] nearLimitPng() throws IOException {
        BufferedImage image = new BufferedImage(7000, 7000, BufferedImage.TYPE_BYTE_GRAY);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return png.toByteArray();
    }

    private String tail() throws IOException {
        String text = Files.readString(log);
        return text.substring(Math.max(0, text.length() - 4000));
    }
}
