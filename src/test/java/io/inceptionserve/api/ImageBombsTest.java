package io.inceptionserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.image.ImageSize;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * What can never be served is refused at once, whatever the heap: here with the decode budget a
 * 6 GB heap gives (131 M pixels, more than the 50 M pixel limit), the case where a bomb used to
 * wait for the whole budget until its deadline and get 503 ({@link ContainerHeapTest} runs the
 * same with the container's 1,229 MB heap).
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "inception.reliability.decode-pixel-budget=" + ImageBombsTest.LARGE_HEAP_BUDGET)
class ImageBombsTest extends RunningServiceTest {

    static final long LARGE_HEAP_BUDGET = 131_000_000;
    static final int SIDE = 60_000;
    static final long FAST_MILLIS = 1_000;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void bombsOfEveryFormatAreRefused413AtOnceOnBothApis() throws Exception {
        for (String format : ImageBombs.FORMATS) {
            byte[] bomb = ImageBombs.of(format, SIDE, SIDE);
            ImageSize declared = ImageSize.declaredBy(bomb);
            assertThat(declared).as(format).isNotNull();
            assertThat(declared.pixels()).as(format).isEqualTo((long) SIDE * SIDE);
            assertRefusedAtOnce(format + " on /classify", post("/classify", "image/" + format, bomb, null));
            assertRefusedAtOnce(format + " on /v2", post(v2Infer(), "application/octet-stream", bomb, "0"));
        }
    }

    @Test
    void aPixelTensorOverTheLimitIsRefused413() throws Exception {
        int pixels = 60_000_000;
        String header = "{\"inputs\":[{\"name\":\"pixels\",\"shape\":[1,1," + pixels + ",1],\"datatype\":\"UINT8\","
                + "\"parameters\":{\"binary_data_size\":" + pixels + "}}]}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[json.length + pixels];
        System.arraycopy(json, 0, body, 0, json.length);
        Answer answer = post(v2Infer(), "application/octet-stream", body, Integer.toString(json.length));
        assertThat(answer.status()).as(answer.body()).isEqualTo(413);
        assertThat(answer.body()).contains("60000000×1 = 60000000 pixels; at most 50000000 are decoded");
    }

    static String v2Infer() {
        return "/v2/models/googlenet-bn/infer";
    }

    static void assertRefusedAtOnce(String what, Answer answer) {
        assertThat(answer.status()).as(what + ": " + answer.body()).isEqualTo(413);
        assertThat(answer.body()).as(what).contains("at most 50000000 are decoded");
        assertThat(answer.millis()).as(what + " answered within").isLessThan(FAST_MILLIS);
    }

    record Answer(int status, String body, long millis) {}

    Answer post(String path, String contentType, byte[] body, String binaryHeader) throws Exception {
        return post(http, port, path, contentType, body, binaryHeader);
    }

    static Answer post(HttpClient http, int port, String path, String contentType, byte[] body, String binaryHeader)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofMinutes(1))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (binaryHeader != null) {
            request.header("Inference-Header-Content-Length", binaryHeader);
        }
        long start = System.nanoTime();
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body(), (System.nanoTime() - start) / 1_000_000);
    }
}
