package io.inceptionserve.importer;

import static io.inceptionserve.importer.ImportCommandTest.importCommand;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.inceptionserve.importer.ImportCommandTest.Execution;
import io.inceptionserve.importer.TorchvisionImporter.Source;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An imported Inception-v3 served over real HTTP through {@code inception.models.<name>=file:…}:
 * the photo's top classes and probabilities are torchvision's.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ServeImportedModelTest {

    private static final String MODEL = "imagenet-v3";
    private static final int TOP_K = 5;
    private static final long READY_TIMEOUT_MS = 180_000;

    @TempDir
    static Path models;

    @Value("${local.server.port}")
    int port;

    @Value("${local.management.port}")
    int managementPort;

    @BeforeAll
    static void importInceptionV3() throws IOException {
        Execution execution = importCommand(
                "--arch",
                "inception-v3",
                "--from",
                TorchReference.networks().resolve("inception-v3.pth").toString(),
                "--out",
                models.resolve(MODEL).toString());
        assertThat(execution.exitCode()).as(execution.err()).isZero();
    }

    @DynamicPropertySource
    static void serveIt(DynamicPropertyRegistry registry) {
        registry.add("inception.models." + MODEL, () -> "file:" + models.resolve(MODEL) + "/");
        // Parity with torchvision's float32 logits to 1e-4 needs float32, whatever the CPU.
        registry.add("inception.inference.model-precision." + MODEL, () -> "float32");
    }

    @Test
    void thePhotosTopClassesAndProbabilitiesAreTorchvisions() throws Exception {
        RestClient http = client(port);
        awaitReady(client(managementPort));
        MultiValueMap<String, Object> body = new LinkedMultiValueMap<>();
        body.add("image", new ByteArrayResource(Files.readAllBytes(TorchReference.PHOTO)) {
            @Override
            public String getFilename() {
                return TorchReference.PHOTO.getFileName().toString();
            }
        });

        ResponseEntity<String> response = http.post()
                .uri("/classify?model=" + MODEL + "&topK=" + TOP_K)
                .contentType(MediaType.MULTIPART_FORM_DATA)
                .body(body)
                .retrieve()
                .toEntity(String.class);

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        JsonNode answer = JsonMapper.builder().build().readTree(response.getBody());
        assertThat(answer.get("architecture").asString()).isEqualTo("inception-v3");
        assertThat(answer.get("trained").asBoolean()).isTrue();
        float[] logits = TorchReference.logits(Source.INCEPTION_V3)[TorchReference.PHOTO_INPUT];
        double[] probabilities = softmax(logits);
        List<Integer> expected = IntStream.range(0, logits.length)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> logits[i]).reversed())
                .limit(TOP_K)
                .toList();
        List<String> labels = TorchvisionImporter.imagenetLabels();
        JsonNode predictions = answer.get("images").get(0).get("predictions");
        assertThat(predictions).hasSize(TOP_K);
        for (int k = 0; k < TOP_K; k++) {
            JsonNode prediction = predictions.get(k);
            int classIndex = expected.get(k);
            assertThat(prediction.get("classIndex").asInt()).as("class %d", k).isEqualTo(classIndex);
            assertThat(prediction.get("label").asString()).isEqualTo(labels.get(classIndex));
            assertThat(prediction.get("probability").asDouble()).isCloseTo(probabilities[classIndex], within(1e-4));
        }
    }

    private static double[] softmax(float[] logits) {
        double max = IntStream.range(0, logits.length)
                .mapToDouble(i -> logits[i])
                .max()
                .orElseThrow();
        double[] exp = IntStream.range(0, logits.length)
                .mapToDouble(i -> Math.exp(logits[i] - max))
                .toArray();
        double sum = Arrays.stream(exp).sum();
        return Arrays.stream(exp).map(value -> value / sum).toArray();
    }

    private static RestClient client(int port) {
        return RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .defaultStatusHandler(status -> true, (request, response) -> {})
                .build();
    }

    /** Polls readiness on the management port. */
    private static void awaitReady(RestClient http) throws InterruptedException {
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
        while (http.get()
                        .uri("/actuator/health/readiness")
                        .retrieve()
                        .toBodilessEntity()
                        .getStatusCode()
                        .value()
                != 200) {
            assertThat(System.currentTimeMillis())
                    .as("readiness within %d ms", READY_TIMEOUT_MS)
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
