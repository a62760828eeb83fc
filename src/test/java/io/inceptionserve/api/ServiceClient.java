package io.inceptionserve.api;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A plain HTTP client for tests against a service running on a real port: the application's port
 * for the API, the management port for {@code /actuator}.
 */
public final class ServiceClient {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final RestClient http;

    public ServiceClient(int port) {
        this(port, Map.of());
    }

    /** A client that sends {@code headers} with every request, such as credentials. */
    public ServiceClient(int port, Map<String, String> headers) {
        this.http = RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .defaultHeaders(defaults -> headers.forEach(defaults::set))
                .defaultStatusHandler(status -> true, (request, response) -> {})
                .build();
    }

    public static Path image(String name) {
        return Path.of("src/test/resources/images", name);
    }

    public ResponseEntity<String> get(String path) {
        return http.get().uri(path).retrieve().toEntity(String.class);
    }

    /** Uploads files as the multipart field {@code image}. */
    public ResponseEntity<String> classify(String query, List<Path> files) throws java.io.IOException {
        MultiValueMap<String, Object> body = new LinkedMultiValueMap<>();
        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            body.add("image", new ByteArrayResource(bytes) {
                @Override
                public String getFilename() {
                    return file.getFileName().toString();
                }
            });
        }
        return http.post()
                .uri("/classify" + query)
                .contentType(MediaType.MULTIPART_FORM_DATA)
                .body(body)
                .retrieve()
                .toEntity(String.class);
    }

    /** Any request without a body, e.g. a CORS preflight ({@code OPTIONS}) with its own headers. */
    public ResponseEntity<String> exchange(HttpMethod method, String path, Map<String, String> headers) {
        return http.method(method)
                .uri(path)
                .headers(h -> headers.forEach(h::set))
                .retrieve()
                .toEntity(String.class);
    }

    ResponseEntity<String> classifyBody(String query, byte[] body, MediaType type) {
        return http.post()
                .uri("/classify" + query)
                .contentType(type)
                .body(body)
                .retrieve()
                .toEntity(String.class);
    }

    /** Polls readiness, on a client of the management port, until it reports UP. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (get("/actuator/health/readiness").getStatusCode().value() == 200) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("service not ready within " + timeout + ": "
                + get("/actuator/health").getBody());
    }

    public static JsonNode json(ResponseEntity<String> response) {
        return JSON.readTree(response.getBody());
    }
}
