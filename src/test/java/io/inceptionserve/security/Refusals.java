package io.inceptionserve.security;

import static io.inceptionserve.api.ServiceClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

/** What a request refused for its credentials gets back. */
final class Refusals {

    private Refusals() {}

    /**
     * An RFC 9457 problem in the API's own style, with the status, a challenge naming what to send
     * and a detail saying what was wrong.
     */
    static void assertRefused(ResponseEntity<String> response, int status, String challenge, String detailFragment) {
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(status);
        assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).startsWith(challenge);
        assertThat(String.valueOf(response.getHeaders().getContentType())).startsWith("application/problem+json");
        JsonNode problem = json(response);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("type").asString())
                .isEqualTo("urn:inception-serve:problem:" + (status == 403 ? "forbidden" : "unauthenticated"));
        assertThat(problem.get("title").asString()).isNotBlank();
        assertThat(problem.get("detail").asString()).contains(detailFragment);
    }

    /** Under {@code /v2}: the Open Inference Protocol's own error object, with the same challenge. */
    static void assertProtocolRefusal(
            ResponseEntity<String> response, int status, String challenge, String detailFragment) {
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(status);
        assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).startsWith(challenge);
        assertThat(String.valueOf(response.getHeaders().getContentType())).startsWith("application/json");
        JsonNode error = json(response);
        assertThat(error.propertyNames()).containsExactly("error");
        assertThat(error.get("error").asString()).contains(detailFragment);
    }
}
