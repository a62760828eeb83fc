package io.inceptionserve.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.api.RunningServiceTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * A page on another site cannot make a visitor's browser run the model: its form-like posts,
 * which browsers send without a pre-flight, are refused 403 before their bodies are read. With no
 * allowed origins (the default) only the service's own pages, and clients that send no Origin, post.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "inception.inference.warmup-iterations=0")
class CrossOriginTest extends RunningServiceTest {

    private static final String FOREIGN = "https://evil.example";
    private static final String INFER = "/v2/models/googlenet/infer";
    private static final String REQUEST =
            "{\"inputs\":[{\"name\":\"image\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg==\"]}]}";

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aTextPlainInferenceFromAForeignPageIsNotComputed() throws Exception {
        HttpResponse<String> foreign = infer(FOREIGN);
        assertThat(foreign.statusCode()).as(foreign.body()).isEqualTo(403);
        assertThat(foreign.body()).contains("{\"error\":\"a page on https://evil.example may not call this service");

        assertThat(infer(null).statusCode()).as("no Origin, as curl").isEqualTo(200);
        assertThat(infer("http://localhost:" + port).statusCode())
                .as("the service's own page")
                .isEqualTo(200);
        assertThat(infer("null").statusCode()).as("an opaque origin").isEqualTo(403);
    }

    @Test
    void theRefusalComesBeforeTheBodyIsRead() throws IOException {
        String answer = postWithoutBody(port, "/classify", FOREIGN, Map.of());
        assertThat(answer).startsWith("HTTP/1.1 403").contains("application/problem+json");
    }

    private HttpResponse<String> infer(String origin) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + INFER))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(REQUEST));
        if (origin != null) {
            request.header("Origin", origin);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Sends the headers of a 100 kB upload from {@code origin} and none of its body; what the
     * server answers within 2 s (a body it waited for would be cut only after the 3 s stall
     * timeout), or "no answer".
     */
    static String postWithoutBody(int port, String path, String origin, Map<String, String> headers)
            throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(2_000);
            StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: localhost:" + port
                    + "\r\nOrigin: " + origin + "\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                    + "Content-Length: 100000\r\n");
            headers.forEach((name, value) ->
                    head.append(name).append(": ").append(value).append("\r\n"));
            OutputStream out = socket.getOutputStream();
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    answer.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException e) {
                // Whatever came within the time.
            }
            return answer.size() == 0 ? "no answer" : answer.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
