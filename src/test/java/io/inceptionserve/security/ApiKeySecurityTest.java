package io.inceptionserve.security;

import static io.inceptionserve.api.ServiceClient.image;
import static io.inceptionserve.api.ServiceClient.json;
import static io.inceptionserve.security.Refusals.assertProtocolRefusal;
import static io.inceptionserve.security.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.api.RunningServiceTest;
import io.inceptionserve.api.ServiceClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

/** Mode api-key, with one origin allowed to call the API from its pages. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "inception.security.mode=api-key",
            "inception.security.api-keys=" + ApiKeySecurityTest.FIRST_KEY + "," + ApiKeySecurityTest.SECOND_KEY,
            "inception.security.cors.allowed-origins=" + ApiKeySecurityTest.APP,
            "inception.inference.warmup-iterations=0"
        })
class ApiKeySecurityTest extends RunningServiceTest {

    static final String FIRST_KEY = "0b9c2f6e4a8d13757c1e";
    static final String SECOND_KEY = "f4d2a9e61b0c58e3a7d6";
    static final String APP = "https://app.example.com";

    @Test
    void withoutAKeyTheApiAnswers401() throws Exception {
        for (ResponseEntity<String> response : List.of(
                client.classify("?model=googlenet", List.of(image("trouser.png"))),
                client.get("/models"),
                client.get("/models/googlenet"))) {
            assertRefused(response, 401, "ApiKey", "this endpoint needs an API key in the X-API-Key header");
        }
        for (ResponseEntity<String> response :
                List.of(client.get("/v2/models/googlenet"), client.get("/v2/models/stats"), client.get("/v2"))) {
            assertProtocolRefusal(response, 401, "ApiKey", "this endpoint needs an API key in the X-API-Key header");
        }
    }

    /** As KServe and Triton answer them: a cloud load balancer's health check sends no header. */
    @Test
    void theProtocolsHealthChecksNeedNoKey() {
        assertThat(client.get("/v2/health/live").getStatusCode().value()).isEqualTo(200);
        assertThat(client.get("/v2/health/ready").getStatusCode().value()).isEqualTo(200);
        assertThat(client.get("/v2/health/ready/").getStatusCode().value()).isEqualTo(401);
    }

    @Test
    void aWrongKeyIsRefused() throws Exception {
        ServiceClient wrong = new ServiceClient(port, Map.of("X-API-Key", FIRST_KEY.substring(1) + "x"));

        assertRefused(
                wrong.classify("?model=googlenet", List.of(image("trouser.png"))),
                401,
                "ApiKey",
                "the X-API-Key header holds no valid API key");
    }

    @Test
    void eitherKeyClassifies() throws Exception {
        for (String key : List.of(FIRST_KEY, SECOND_KEY)) {
            ResponseEntity<String> response = new ServiceClient(port, Map.of("X-API-Key", key))
                    .classify("?model=googlenet&topK=3", List.of(image("ankle-boot.png")));

            assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
            assertThat(json(response).get("images").get(0).get("predictions")).hasSize(3);
        }
    }

    @Test
    void theManagementPortAndThePagesNeedNoKey() {
        for (String path : List.of(
                "/actuator/health/liveness",
                "/actuator/health/readiness",
                "/actuator/prometheus",
                "/actuator/inference")) {
            assertThat(management.get(path).getStatusCode().value()).as(path).isEqualTo(200);
        }
        for (String path : List.of("/", "/demo.js", "/swagger-ui/index.html", "/v3/api-docs")) {
            assertThat(client.get(path).getStatusCode().value()).as(path).isEqualTo(200);
        }
    }

    /** So that Swagger UI's "Authorize" button takes the key and "Try it out" sends it. */
    @Test
    void theOpenApiDocumentSaysWhichEndpointsTakeTheKey() {
        JsonNode api = json(client.get("/v3/api-docs"));

        JsonNode scheme = api.get("components").get("securitySchemes").get("credentials");
        assertThat(scheme.get("type").asString()).isEqualTo("apiKey");
        assertThat(scheme.get("in").asString()).isEqualTo("header");
        assertThat(scheme.get("name").asString()).isEqualTo("X-API-Key");
        JsonNode classify = api.get("paths").get("/classify").get("post");
        assertThat(classify.get("security").get(0).has("credentials")).isTrue();
        assertThat(classify.get("responses").get("401").get("content").has("application/problem+json"))
                .isTrue();
    }

    @Test
    void theConfiguredOriginMayCallTheApiAndNoOther() {
        ResponseEntity<String> allowed = client.exchange(HttpMethod.OPTIONS, "/classify", preflight(APP));
        assertThat(allowed.getHeaders().getAccessControlAllowOrigin()).isEqualTo(APP);
        assertThat(allowed.getHeaders().getAccessControlAllowHeaders())
                .map(String::toLowerCase)
                .contains("x-api-key");
        assertThat(allowed.getHeaders().getAccessControlAllowCredentials()).isFalse();

        ResponseEntity<String> refused =
                client.exchange(HttpMethod.OPTIONS, "/classify", preflight("https://elsewhere.example"));
        assertThat(refused.getHeaders().getAccessControlAllowOrigin()).isNull();

        ResponseEntity<String> call =
                client.exchange(HttpMethod.GET, "/models", Map.of(HttpHeaders.ORIGIN, APP, "X-API-Key", SECOND_KEY));
        assertThat(call.getStatusCode().value()).isEqualTo(200);
        assertThat(call.getHeaders().getAccessControlAllowOrigin()).isEqualTo(APP);
    }

    /** A page of the allowed origin may post; one of any other is refused before its body is read. */
    @Test
    void aPostFromAForeignOriginIsRefused403() throws Exception {
        Map<String, String> keyed = Map.of("X-API-Key", FIRST_KEY);
        assertThat(CrossOriginTest.postWithoutBody(port, "/classify", "https://elsewhere.example", keyed))
                .as("refused by the CORS filter, which runs first when origins are configured")
                .startsWith("HTTP/1.1 403");
        assertThat(CrossOriginTest.postWithoutBody(port, "/classify", APP, keyed))
                .as("the allowed origin reads on")
                .doesNotStartWith("HTTP/1.1 403");
    }

    /** What a browser asks before a cross-origin upload with a key. */
    private static Map<String, String> preflight(String origin) {
        return Map.of(
                HttpHeaders.ORIGIN,
                origin,
                HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD,
                "POST",
                HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS,
                "x-api-key");
    }
}
