package io.inceptionserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.api.RawHttp.Answer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * Client mistakes written byte for byte on a real socket, including what no HTTP client library
 * would send: each is answered with a 4xx problem+json whose detail names the mistake, and the
 * same server still classifies a good image afterwards.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "inception.reliability.upload-rate-grace=1s")
class ClientMistakesTest extends RunningServiceTest {

    private static final String CRLF = "\r\n";
    private static final String PART = "--b" + CRLF
            + "Content-Disposition: form-data; name=\"image\"; filename=\"a.png\"" + CRLF
            + "Content-Type: image/png" + CRLF + CRLF + "xyz" + CRLF;

    private Answer post(String contentType, String body) throws IOException {
        return RawHttp.send(
                port,
                "POST /classify HTTP/1.1" + CRLF + "Host: localhost" + CRLF + "Content-Type: " + contentType + CRLF
                        + "Content-Length: " + body.getBytes(StandardCharsets.ISO_8859_1).length + CRLF
                        + "Connection: close" + CRLF + CRLF + body);
    }

    private Answer request(String requestLineAndHeaders) throws IOException {
        return RawHttp.send(port, requestLineAndHeaders + "Host: localhost" + CRLF + "Connection: close" + CRLF + CRLF);
    }

    private static JsonNode problem(Answer answer, int status) {
        assertThat(answer.status()).as(answer.toString()).isEqualTo(status);
        assertThat(answer.header("Content-Type")).as(answer.toString()).startsWith("application/problem+json");
        JsonNode problem = ServiceClient.JSON.readTree(answer.body());
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        return problem;
    }

    private static String detail(Answer answer, int status) {
        return problem(answer, status).get("detail").asString();
    }

    @AfterEach
    void theServiceStillClassifies() throws Exception {
        assertThat(client.classify("", java.util.List.of(ServiceClient.image("trouser.png")))
                        .getStatusCode()
                        .value())
                .isEqualTo(200);
    }

    @Test
    void multipartWithoutABoundaryIs400() throws IOException {
        assertThat(detail(post("multipart/form-data", PART + "--b--" + CRLF), 400))
                .contains("no multipart boundary");
        assertThat(detail(post("multipart/form-data; boundary=\"\"", PART + "--b--" + CRLF), 400))
                .contains("no multipart boundary");
    }

    @Test
    void multipartWithoutItsClosingDelimiterIs400() throws IOException {
        assertThat(detail(post("multipart/form-data; boundary=b", PART), 400))
                .contains("multipart body cannot be read", "Stream ended unexpectedly");
    }

    /** The bytes past the declared length are read as a second request, which is refused too. */
    @Test
    void aContentLengthShorterThanTheBodyIs400() throws IOException {
        String body = PART + "--b--" + CRLF;
        Answer answer = RawHttp.send(
                port,
                "POST /classify HTTP/1.1" + CRLF + "Host: localhost" + CRLF
                        + "Content-Type: multipart/form-data; boundary=b" + CRLF + "Content-Length: 40" + CRLF
                        + "Connection: close" + CRLF + CRLF + body);
        assertThat(detail(answer, 400)).contains("multipart body cannot be read");
    }

    @Test
    void aThousandTinyPartsAre413NamingTheCountAndTheLimit() throws IOException {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            body.append("--b" + CRLF + "Content-Disposition: form-data; name=\"image\"; filename=\"" + i + ".png\""
                    + CRLF + CRLF + "x" + CRLF);
        }
        JsonNode problem = problem(post("multipart/form-data; boundary=b", body + "--b--" + CRLF), 413);
        assertThat(problem.get("detail").asString())
                .isEqualTo("the multipart body has 1000 parts; at most 50 are accepted");
    }

    @Test
    void aTenKilobyteFileNameIs400NamingThePartHeader() throws IOException {
        String body = "--b" + CRLF + "Content-Disposition: form-data; name=\"image\"; filename=\"" + "n".repeat(10_000)
                + ".png\"" + CRLF + CRLF + "x" + CRLF + "--b--" + CRLF;
        assertThat(detail(post("multipart/form-data; boundary=b", body), 400))
                .contains("part's headers", "file name", "Header section has more than");
    }

    @Test
    void aUrlTheFirewallRejectsIs400WithItsReason() throws IOException {
        assertThat(detail(request("GET /classify/..;/x HTTP/1.1" + CRLF), 400)).contains("rejected", ";");
    }

    @Test
    void anUnknownMethodIs4xxProblem() throws IOException {
        Answer answer = request("FOO /classify HTTP/1.1" + CRLF);
        assertThat(answer.status()).isBetween(400, 499);
        assertThat(detail(answer, answer.status())).contains("FOO");
    }

    @Test
    void aKnownMethodNotServedIs405() throws IOException {
        assertThat(detail(request("DELETE /classify HTTP/1.1" + CRLF), 405)).contains("DELETE");
    }

    @Test
    void aMalformedChunkSizeIs400() throws IOException {
        Answer answer = RawHttp.send(
                port,
                "POST /classify HTTP/1.1" + CRLF + "Host: localhost" + CRLF + "Content-Type: image/png" + CRLF
                        + "Transfer-Encoding: chunked" + CRLF + "Connection: close" + CRLF + CRLF + "zz" + CRLF + "abc"
                        + CRLF + "0" + CRLF + CRLF);
        assertThat(detail(answer, 400)).contains("request body cannot be read");
    }

    @Test
    void refusalsMadeBeforeAnyServletAreProblemsToo() throws IOException {
        assertThat(detail(request("GET /" + "a".repeat(20_000) + " HTTP/1.1" + CRLF), 400))
                .isNotBlank();
        assertThat(detail(request("GET /models HTTP/1.1" + CRLF + "X-Big: " + "a".repeat(20_000) + CRLF), 400))
                .isNotBlank();
        assertThat(detail(request("GET /models HTTP/1.1 extra" + CRLF), 400)).isNotBlank();
    }

    @Test
    void anUnknownPathIs404NamingIt() throws IOException {
        assertThat(detail(request("GET /nothing-here HTTP/1.1" + CRLF), 404)).contains("nothing-here");
    }

    /** A float32 beyond ±3.4e38 overflows to an infinity; the model would answer NaN probabilities. */
    @Test
    void aPreparedTensorWithAnOverflowingValueIs400NamingIt() throws IOException {
        for (String value : new String[] {"1e39", "-1e39"}) {
            StringBuilder data = new StringBuilder();
            for (int i = 0; i < 64 * 64; i++) {
                data.append(i == 0 ? "" : ",").append(i == 100 ? value : "0.5");
            }
            String body = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 64, 64], \"datatype\": \"FP32\","
                    + " \"data\": [" + data + "]}]}";
            Answer answer = RawHttp.send(
                    port,
                    "POST /v2/models/googlenet-bn/infer HTTP/1.1" + CRLF + "Host: localhost" + CRLF
                            + "Content-Type: application/json" + CRLF + "Content-Length: " + body.length() + CRLF
                            + "Connection: close" + CRLF + CRLF + body);

            assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
            assertThat(answer.body()).contains("input 'input'", "element 100", "Infinity", "finite");
        }
    }

    @Test
    void aStalledUploadIs408OnceItsRateFallsBelowTheMinimum() throws IOException {
        byte[] image = Files.readAllBytes(ServiceClient.image("trouser.png"));
        String head = "POST /classify HTTP/1.1" + CRLF + "Host: localhost" + CRLF + "Content-Type: image/png" + CRLF
                + "Content-Length: " + image.length + CRLF + CRLF;
        byte[] start = new byte[head.length() + 50];
        System.arraycopy(head.getBytes(StandardCharsets.ISO_8859_1), 0, start, 0, head.length());
        System.arraycopy(image, 0, start, head.length(), 50);
        long started = System.nanoTime();
        Answer answer = RawHttp.send(port, start, false, 30_000);
        long millis = (System.nanoTime() - started) / 1_000_000;

        assertThat(detail(answer, 408)).contains("stopped arriving");
        assertThat(millis)
                .as("the 1 s grace at 500 bytes a second, not the 60 s connection timeout")
                .isLessThan(20_000);
    }
}
