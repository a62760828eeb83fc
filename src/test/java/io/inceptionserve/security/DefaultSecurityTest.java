package io.inceptionserve.security;

import static io.inceptionserve.api.ServiceClient.image;
import static io.inceptionserve.api.ServiceClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.api.RunningServiceTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.userdetails.UserDetailsService;

/**
 * Mode none, the default: the API answers as it did before Spring Security came in, actuator is on
 * the management port only, no origin gets CORS headers, and every answer has the security headers.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DefaultSecurityTest extends RunningServiceTest {

    /** What application.yaml exposes, and the links actuator adds to it. */
    private static final List<String> EXPOSED =
            List.of("self", "health", "health-path", "info", "prometheus", "inference");

    @Autowired
    ApplicationContext context;

    @Test
    void theApiNeedsNoCredentialsAndAnUploadNoCsrfToken() throws Exception {
        ResponseEntity<String> classified = client.classify("?model=googlenet", List.of(image("trouser.png")));

        assertThat(classified.getStatusCode().value()).as(classified.getBody()).isEqualTo(200);
        assertThat(client.get("/models").getStatusCode().value()).isEqualTo(200);
        assertThat(client.get("/v2/models/googlenet").getStatusCode().value()).isEqualTo(200);
        // No login page, and no user store: Spring Boot logs a generated password only when it makes one.
        assertThat(client.get("/login").getStatusCode().value()).isEqualTo(404);
        assertThat(context.getBeanProvider(UserDetailsService.class).getIfAvailable())
                .isNull();
    }

    @Test
    void actuatorIsOnlyOnTheManagementPortWithOnlyTheExposedEndpoints() {
        for (String path : List.of(
                "/actuator",
                "/actuator/health",
                "/actuator/health/readiness",
                "/actuator/prometheus",
                "/actuator/inference")) {
            assertThat(client.get(path).getStatusCode().value())
                    .as("application port: " + path)
                    .isEqualTo(404);
        }

        assertThat(json(management.get("/actuator")).get("_links").propertyNames())
                .containsExactlyInAnyOrderElementsOf(EXPOSED);
        for (String endpoint : List.of(
                "env",
                "beans",
                "configprops",
                "heapdump",
                "threaddump",
                "loggers",
                "metrics",
                "mappings",
                "shutdown")) {
            assertThat(management.get("/actuator/" + endpoint).getStatusCode().value())
                    .as(endpoint)
                    .isEqualTo(404);
        }
        assertThat(management.get("/actuator/prometheus").getBody()).contains("inception_requests_seconds");
    }

    @Test
    void noOtherOriginGetsCorsHeaders() {
        Map<String, String> preflight = Map.of(
                HttpHeaders.ORIGIN, "https://elsewhere.example", HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "POST");
        assertThat(client.exchange(HttpMethod.OPTIONS, "/classify", preflight)
                        .getHeaders()
                        .getAccessControlAllowOrigin())
                .isNull();
        assertThat(client.exchange(HttpMethod.GET, "/models", Map.of(HttpHeaders.ORIGIN, "https://elsewhere.example"))
                        .getHeaders()
                        .getAccessControlAllowOrigin())
                .isNull();
    }

    @Test
    void everyAnswerCarriesTheSecurityHeaders() throws Exception {
        Map<String, ResponseEntity<String>> answers = new LinkedHashMap<>();
        answers.put("demo page", client.get("/"));
        answers.put("Swagger UI", client.get("/swagger-ui/index.html"));
        answers.put("classification", client.classify("?model=googlenet", List.of(image("pullover.jpg"))));
        answers.put("problem", client.get("/models/resnet"));
        answers.put("not found", client.get("/actuator/prometheus"));
        answers.put("management port", management.get("/actuator/health/liveness"));

        answers.forEach((what, answer) -> {
            HttpHeaders headers = answer.getHeaders();
            assertThat(headers.getFirst("X-Content-Type-Options")).as(what).isEqualTo("nosniff");
            assertThat(headers.getFirst("X-Frame-Options")).as(what).isEqualTo("DENY");
            assertThat(headers.getFirst("Referrer-Policy")).as(what).isEqualTo("no-referrer");
            assertThat(headers.getFirst("Content-Security-Policy"))
                    .as(what)
                    .isEqualTo(SecurityConfiguration.CONTENT_SECURITY_POLICY);
        });
        assertThat(answers.get("classification").getHeaders().getCacheControl()).contains("no-store");
    }
}
