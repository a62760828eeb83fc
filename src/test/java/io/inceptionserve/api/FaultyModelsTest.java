package io.inceptionserve.api;

import static io.inceptionserve.api.ServiceClient.image;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One model's weights are corrupt, another's are missing, a third's are a link out of its
 * directory: those three are unavailable, say why in {@code /models}, in health and in 503
 * answers, and the bundled models keep serving.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "inception.inference.warmup-iterations=0")
class FaultyModelsTest {

    @Value("${local.server.port}")
    int port;

    @Value("${local.management.port}")
    int managementPort;

    @DynamicPropertySource
    static void faultyModels(DynamicPropertyRegistry properties) throws IOException {
        Path root = Files.createTempDirectory("faulty-models");
        Path corrupt = modelWithWeights(root.resolve("corrupt"), "0".repeat(64));
        Files.write(corrupt.resolve("weights.ndlist"), randomBytes());
        Path missing = modelWithWeights(root.resolve("missing"), "0".repeat(64));
        properties.add("inception.models.corrupt", () -> corrupt.toUri().toString());
        properties.add("inception.models.missing", () -> missing.toUri().toString());
        Path escaping = modelWithWeights(root.resolve("escaping"), "0".repeat(64));
        Files.createSymbolicLink(
                escaping.resolve("weights.ndlist"),
                Path.of("src/main/resources/models/googlenet-bn/weights.ndlist").toAbsolutePath());
        properties.add("inception.models.escaping", () -> escaping.toUri().toString());
    }

    @Test
    void brokenModelsAreUnavailableWhileTheOthersServe() throws Exception {
        ServiceClient client = new ServiceClient(port);
        new ServiceClient(managementPort).awaitReady(Duration.ofMinutes(3));

        JsonNode corrupt = json(client.get("/models/corrupt"));
        assertThat(corrupt.get("status").asString()).isEqualTo("FAILED");
        assertThat(corrupt.get("failure").asString())
                .contains("weights.ndlist has SHA-256", "but the manifest expects");
        JsonNode missing = json(client.get("/models/missing"));
        assertThat(missing.get("status").asString()).isEqualTo("FAILED");
        assertThat(missing.get("failure").asString()).contains("missing", "weights.ndlist");
        JsonNode escaping = json(client.get("/models/escaping"));
        assertThat(escaping.get("status").asString()).isEqualTo("FAILED");
        assertThat(escaping.get("failure").asString()).contains("weights.ndlist", "outside the model directory");

        JsonNode health = json(new ServiceClient(managementPort).get("/actuator/health/readiness"));
        assertThat(health.get("status").asString()).isEqualTo("UP");
        JsonNode models = health.get("components").get("models").get("details");
        assertThat(models.get("corrupt").get("status").asString()).isEqualTo("FAILED");
        assertThat(models.get("missing").get("status").asString()).isEqualTo("FAILED");
        assertThat(models.get("googlenet-bn").get("status").asString()).isEqualTo("READY");

        ResponseEntity<String> refused = client.classify("?model=corrupt", List.of(image("trouser.png")));
        ClassifyApiTest.assertProblem(refused, 503, "model 'corrupt' failed to load");
        assertThat(refused.getHeaders().getFirst("Retry-After"))
                .as("retrying will not help")
                .isNull();
        assertThat(client.classify("?model=googlenet-bn", List.of(image("trouser.png")))
                        .getStatusCode()
                        .value())
                .isEqualTo(200);
    }

    /** The bundled googlenet-bn's manifest, declaring a weights file with the given checksum. */
    private static Path modelWithWeights(Path dir, String sha256) throws IOException {
        Files.createDirectories(dir);
        for (String file : List.of("manifest.json", "labels.txt")) {
            try (InputStream in = FaultyModelsTest.class.getResourceAsStream("/models/googlenet-bn/" + file)) {
                Files.copy(in, dir.resolve(file));
            }
        }
        ObjectNode manifest = (ObjectNode)
                ServiceClient.JSON.readTree(dir.resolve("manifest.json").toFile());
        manifest.put("name", dir.getFileName().toString());
        manifest.putObject("weights").put("file", "weights.ndlist").put("sha256", sha256);
        ServiceClient.JSON.writeValue(dir.resolve("manifest.json").toFile(), manifest);
        return dir;
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[4096];
        new Random(7).nextBytes(bytes);
        return bytes;
    }

    private static JsonNode json(ResponseEntity<String> response) {
        return ServiceClient.JSON.readTree(response.getBody());
    }
}
