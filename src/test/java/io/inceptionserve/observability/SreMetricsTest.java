package io.inceptionserve.observability;

import static io.inceptionserve.api.ServiceClient.image;
import static io.inceptionserve.api.ServiceClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.inceptionserve.api.RunningServiceTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The meters an operator alerts on, read over real HTTP from the management port of a service
 * running the real engine, beside a model whose weights are missing.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "inception.inference.warmup-iterations=0")
class SreMetricsTest extends RunningServiceTest {

    private static final String MODEL = "model=\"googlenet-bn\"";

    @DynamicPropertySource
    static void modelWithoutWeights(DynamicPropertyRegistry properties) throws IOException {
        Path dir = Files.createTempDirectory("broken-model").resolve("broken");
        Files.createDirectories(dir);
        for (String file : List.of("manifest.json", "labels.txt")) {
            try (InputStream in = SreMetricsTest.class.getResourceAsStream("/models/googlenet-bn/" + file)) {
                Files.copy(in, dir.resolve(file));
            }
        }
        // The manifest names a weights file that is not there.
        String manifest = Files.readString(dir.resolve("manifest.json"));
        assertThat(manifest).contains("\"weights\"");
        properties.add("inception.models.broken", () -> dir.toUri().toString());
    }

    private Scrape scrape() {
        ResponseEntity<String> response = management.get("/actuator/prometheus");
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        return Scrape.of(response.getBody());
    }

    @Test
    void readinessAndLoadTimeOfEachModel() {
        Scrape metrics = scrape();

        assertThat(metrics.sum("inception_model_ready", MODEL, "device=\"cpu()\""))
                .isEqualTo(1.0);
        assertThat(metrics.has("inception_model_ready", "model=\"broken\"")).isTrue();
        assertThat(metrics.sum("inception_model_ready", "model=\"broken\"")).isZero();
        assertThat(metrics.sum("inception_model_load_seconds", MODEL)).isPositive();
        assertThat(metrics.has("inception_model_load_seconds", "model=\"broken\""))
                .as("a model that never loaded has no load time")
                .isFalse();
    }

    @Test
    void unknownAndUnavailableModelsAreCountedWithTheirOutcome() throws Exception {
        Scrape before = scrape();

        assertThat(client.classify("?model=no-such-model", List.of(image("trouser.png")))
                        .getStatusCode()
                        .value())
                .isEqualTo(404);
        assertThat(client.classify("?model=broken", List.of(image("trouser.png")))
                        .getStatusCode()
                        .value())
                .isEqualTo(503);

        Scrape after = scrape();
        String notFound = "inception_requests_seconds_count";
        assertThat(after.sum(notFound, "model=\"_unknown\"", "outcome=\"not_found\"")
                        - before.sum(notFound, "model=\"_unknown\"", "outcome=\"not_found\""))
                .isEqualTo(1.0);
        assertThat(after.sum(notFound, "model=\"broken\"", "outcome=\"unavailable\"")
                        - before.sum(notFound, "model=\"broken\"", "outcome=\"unavailable\""))
                .isEqualTo(1.0);
        assertThat(after.samples().keySet())
                .as("the client's model name never becomes a label")
                .noneMatch(series -> series.contains("no-such-model"));
    }

    @Test
    void latencyIsPublishedAsHistogramsWithoutPerPodPercentiles() throws Exception {
        client.classify("?model=googlenet-bn", List.of(image("trouser.png")));

        Scrape metrics = scrape();

        assertThat(metrics.has("inception_requests_seconds_bucket", MODEL)).isTrue();
        assertThat(metrics.has("inception_inference_seconds_bucket", MODEL)).isTrue();
        assertThat(metrics.samples().keySet())
                .filteredOn(series -> series.startsWith("inception_"))
                .noneMatch(series -> series.contains("quantile="));
        assertThat(json(management.get("/actuator/inference"))
                        .get("googlenet-bn")
                        .get("latencyMs")
                        .get("p99")
                        .asDouble())
                .as("the actuator estimates percentiles from the histogram")
                .isPositive();
    }

    @Test
    void residentMemoryIsExported() {
        assertThat(scrape().sum("inception_process_resident_memory_bytes"))
                .as("JVM plus libtorch with a model loaded")
                .isGreaterThan(100e6);
    }

    @Test
    void predictionsAreCountedByTopClassWithTheirConfidence() throws Exception {
        List<Path> trousers = List.of(image("trouser.png"), image("trouser.png"), image("trouser.png"));
        List<Path> mixed = List.of(image("ankle-boot.png"), image("pullover.jpg"), image("ankle-boot.png"));

        Map<String, Double> trouserMix = classifyAndMeasure(trousers);
        Map<String, Double> otherMix = classifyAndMeasure(mixed);

        assertThat(trouserMix).isNotEqualTo(otherMix);
    }

    /**
     * Sends one request and checks that the meters moved exactly as its answers say.
     *
     * @return the change of {@code inception_predictions_total} per class
     */
    private Map<String, Double> classifyAndMeasure(List<Path> images) throws IOException {
        Scrape before = scrape();
        ResponseEntity<String> response = client.classify("?model=googlenet-bn&topK=1", images);
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        Scrape after = scrape();

        Map<String, Double> expected = new HashMap<>();
        double confidence = 0;
        for (JsonNode result : json(response).get("images")) {
            JsonNode top = result.get("predictions").get(0);
            expected.merge(top.get("label").asString(), 1.0, Double::sum);
            confidence += top.get("probability").asDouble();
        }
        Map<String, Double> counted = new HashMap<>();
        Map<String, Double> previous = before.byLabel("inception_predictions_total", "class", MODEL);
        after.byLabel("inception_predictions_total", "class", MODEL).forEach((label, total) -> {
            double delta = total - previous.getOrDefault(label, 0.0);
            if (delta != 0) {
                counted.put(label, delta);
            }
        });
        assertThat(counted).isEqualTo(expected);
        String summary = "inception_prediction_confidence";
        assertThat(after.sum(summary + "_count", MODEL) - before.sum(summary + "_count", MODEL))
                .isEqualTo(images.size());
        assertThat(after.sum(summary + "_sum", MODEL) - before.sum(summary + "_sum", MODEL))
                .isCloseTo(confidence, within(1e-4));
        assertThat(after.has(summary + "_bucket", MODEL, "le=\"0.9\"")).isTrue();
        return counted;
    }
}
