package io.inceptionserve.oip;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A plain HTTP client speaking the Open Inference Protocol to a service on a real port. */
public final class OipClient {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final RestClient http;

    public OipClient(int port) {
        this.http = RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .defaultStatusHandler(status -> true, (request, response) -> {})
                .build();
    }

    ResponseEntity<String> get(String path) {
        return http.get().uri(path).retrieve().toEntity(String.class);
    }

    ResponseEntity<String> post(String path, String body, MediaType type) {
        return http.post().uri(path).contentType(type).body(body).retrieve().toEntity(String.class);
    }

    public ResponseEntity<String> infer(String model, Object request) {
        return post("/v2/models/" + model + "/infer", JSON.writeValueAsString(request), MediaType.APPLICATION_JSON);
    }

    /** Polls the protocol's server-ready endpoint until every model is ready. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        awaitOk("/v2/health/ready", timeout);
    }

    /** Polls {@code path} until it answers 200. */
    void awaitOk(String path, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (get(path).getStatusCode().value() == 200) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(path + " not 200 within " + timeout + "; models: "
                + get("/models").getBody());
    }

    /** One input tensor of an inference request, as the protocol's JSON writes it. */
    public static Map<String, Object> input(String name, List<?> shape, String datatype, Object data) {
        return Map.of("name", name, "shape", shape, "datatype", datatype, "data", data);
    }

    public static JsonNode json(ResponseEntity<String> response) {
        return JSON.readTree(response.getBody());
    }
}
