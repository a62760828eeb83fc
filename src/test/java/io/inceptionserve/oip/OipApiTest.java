package io.inceptionserve.oip;

import static io.inceptionserve.oip.OipClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.image.ImagePreprocessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

/**
 * The Open Inference Protocol v2 end to end: real engine, real HTTP. Requests follow the
 * examples of the protocol's specification and of Triton's classification extension, with
 * tensor shapes taken from the models' own manifests.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OipApiTest {

    private static final String MODEL = "googlenet-bn";
    private static final List<String> IMAGES = List.of("ankle-boot.png", "pullover.jpg");

    @Value("${local.server.port}")
    int port;

    OipClient client;

    @BeforeAll
    void waitForModels() throws InterruptedException {
        client = new OipClient(port);
        client.awaitReady(Duration.ofMinutes(3));
    }

    @Test
    void serverMetadataAndHealth() {
        JsonNode server = json(client.get("/v2"));
        assertThat(server.get("name").asString()).isEqualTo("inception-serve");
        assertThat(server.get("version").asString()).isNotBlank().isNotEqualTo("unknown");
        assertThat(server.get("extensions")).extracting(JsonNode::asString).contains("classification");

        ResponseEntity<String> live = client.get("/v2/health/live");
        assertThat(live.getStatusCode().value()).isEqualTo(200);
        assertThat(json(live).get("live").asBoolean()).isTrue();
        ResponseEntity<String> ready = client.get("/v2/health/ready");
        assertThat(ready.getStatusCode().value()).isEqualTo(200);
        assertThat(json(ready).get("ready").asBoolean()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"googlenet", "googlenet-bn", "inception-v2"})
    void modelMetadataDescribesTheManifestsTensors(String name) {
        ModelArtifact artifact = artifact(name);
        var input = artifact.manifest().input();

        for (String path : List.of("/v2/models/" + name, "/v2/models/" + name + "/versions/1")) {
            ResponseEntity<String> response = client.get(path);
            assertThat(response.getStatusCode().value()).as(path).isEqualTo(200);
            JsonNode metadata = json(response);
            assertThat(metadata.get("name").asString()).isEqualTo(name);
            assertThat(metadata.get("versions")).extracting(JsonNode::asString).containsExactly("1");
            assertThat(metadata.get("platform").asString()).isEqualTo("pytorch_djl");
            assertThat(metadata.get("inputs")).hasSize(3);
            assertTensor(
                    metadata.get("inputs").get(0), "input", "FP32", -1, input.channels(), input.size(), input.size());
            assertTensor(metadata.get("inputs").get(1), "image", "BYTES", -1);
            assertTensor(metadata.get("inputs").get(2), "pixels", "UINT8", -1, -1, -1, input.channels());
            assertThat(metadata.get("outputs")).hasSize(1);
            assertTensor(
                    metadata.get("outputs").get(0),
                    "probabilities",
                    "FP32",
                    -1,
                    artifact.labels().size());
        }
        ResponseEntity<String> ready = client.get("/v2/models/" + name + "/versions/1/ready");
        assertThat(ready.getStatusCode().value()).isEqualTo(200);
        assertThat(json(ready).get("name").asString()).isEqualTo(name);
        assertThat(json(ready).get("ready").asBoolean()).isTrue();
    }

    /**
     * The specification's inference example: an id that comes back, one named output; the
     * parameters Triton's client adds are accepted and have no effect.
     */
    @Test
    void classifiesBase64ImagesAndEchoesTheId() throws Exception {
        Map<String, Object> request = Map.of(
                "id", "42",
                "parameters", Map.of("binary_data_output", false),
                "inputs", List.of(encodedImages("image", IMAGES)),
                "outputs", List.of(Map.of("name", "probabilities", "parameters", Map.of("binary_data", false))));

        ResponseEntity<String> response = client.infer(MODEL, request);

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("id").asString()).isEqualTo("42");
        assertThat(body.get("model_name").asString()).isEqualTo(MODEL);
        assertThat(body.get("model_version").asString()).isEqualTo("1");
        JsonNode output = body.get("outputs").get(0);
        assertThat(output.get("name").asString()).isEqualTo("probabilities");
        assertThat(output.get("datatype").asString()).isEqualTo("FP32");
        assertThat(output.get("shape")).extracting(JsonNode::asLong).containsExactly(2L, 10L);
        float[][] probabilities = matrix(output, 2, 10);
        for (float[] image : probabilities) {
            double total = 0;
            for (float p : image) {
                assertThat(p).isBetween(0f, 1f);
                total += p;
            }
            assertThat(total).isCloseTo(1.0, within(1e-4));
        }
    }

    /** A prepared FP32 tensor, nested or flat, gets the very answer its encoded image gets. */
    @Test
    void preparedTensorsMatchTheirEncodedImages() throws Exception {
        ModelArtifact artifact = artifact(MODEL);
        var input = artifact.manifest().input();
        ImagePreprocessor preprocessor = new ImagePreprocessor(artifact.manifest());
        List<float[]> tensors = new ArrayList<>();
        for (String image : IMAGES) {
            tensors.add(preprocessor.prepare(Files.readAllBytes(image(image))));
        }
        List<Integer> shape = List.of(IMAGES.size(), input.channels(), input.size(), input.size());

        float[][] fromImages =
                matrix(output(client.infer(MODEL, Map.of("inputs", List.of(encodedImages("image", IMAGES))))), 2, 10);
        float[][] fromNested = matrix(
                output(client.infer(
                        MODEL,
                        Map.of(
                                "inputs",
                                List.of(OipClient.input(
                                        "input", shape, "FP32", nest(tensors, input.channels(), input.size())))))),
                2,
                10);
        float[][] fromFlat = matrix(
                output(client.infer(
                        MODEL,
                        Map.of(
                                "inputs",
                                List.of(OipClient.input(
                                        "input",
                                        List.of(-1, input.channels(), input.size(), input.size()),
                                        "FP32",
                                        flat(tensors)))))),
                2,
                10);

        for (int i = 0; i < IMAGES.size(); i++) {
            for (int c = 0; c < 10; c++) {
                assertThat(fromNested[i][c])
                        .as("%s class %d", IMAGES.get(i), c)
                        .isCloseTo(fromImages[i][c], within(1e-6f));
                assertThat(fromFlat[i][c])
                        .as("%s class %d", IMAGES.get(i), c)
                        .isCloseTo(fromImages[i][c], within(1e-6f));
            }
        }
    }

    /** Triton's classification extension: "score:index:label", best first, k per image. */
    @Test
    void classificationParameterReturnsTopClassesAsStrings() throws Exception {
        List<String> labels = artifact(MODEL).labels();
        Map<String, Object> images = encodedImages("image", IMAGES);
        float[][] probabilities = matrix(output(client.infer(MODEL, Map.of("inputs", List.of(images)))), 2, 10);

        ResponseEntity<String> response = client.infer(
                MODEL,
                Map.of(
                        "id", "42",
                        "inputs", List.of(images),
                        "outputs",
                                List.of(Map.of("name", "probabilities", "parameters", Map.of("classification", 3)))));

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        JsonNode output = json(response).get("outputs").get(0);
        assertThat(output.get("datatype").asString()).isEqualTo("BYTES");
        assertThat(output.get("shape")).extracting(JsonNode::asLong).containsExactly(2L, 3L);
        JsonNode classes = output.get("data");
        assertThat(classes).hasSize(6);
        for (int i = 0; i < IMAGES.size(); i++) {
            float[] image = probabilities[i];
            List<Integer> best = new ArrayList<>();
            for (int c = 0; c < image.length; c++) {
                best.add(c);
            }
            best.sort((a, b) -> Float.compare(image[b], image[a]));
            for (int k = 0; k < 3; k++) {
                String entry = classes.get(i * 3 + k).asString();
                assertThat(entry).matches("\\d\\.\\d{6}:\\d+:.+");
                String[] parts = entry.split(":", 3);
                int index = Integer.parseInt(parts[1]);
                assertThat(index).as(entry).isEqualTo(best.get(k));
                assertThat(parts[2]).isEqualTo(labels.get(index));
                assertThat(Float.parseFloat(parts[0])).isCloseTo(image[index], within(5e-7f));
            }
        }

        JsonNode all = output(client.infer(
                MODEL,
                Map.of(
                        "inputs",
                        List.of(encodedImages("image", IMAGES.subList(0, 1))),
                        "outputs",
                        List.of(Map.of("name", "probabilities", "parameters", Map.of("classification", 50))))));
        assertThat(all.get("shape"))
                .as("k is capped at the classes")
                .extracting(JsonNode::asLong)
                .containsExactly(1L, 10L);
    }

    /**
     * As TorchServe's KServe v2 examples send it: a generated input name, a scalar shape of -1,
     * a lone string, posted with {@code curl -d} and so as a form.
     */
    @Test
    void acceptsTorchServeStyleRequestsPostedAsAForm() throws Exception {
        String base64 = Base64.getEncoder().encodeToString(Files.readAllBytes(image("pullover.jpg")));
        String body = """
                {"inputs": [{"name": "%s", "shape": -1, "datatype": "BYTES", "data": "%s"}]}""".formatted(UUID.randomUUID(), base64);

        ResponseEntity<String> response =
                client.post("/v2/models/" + MODEL + "/infer", body, MediaType.APPLICATION_FORM_URLENCODED);

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        JsonNode output = json(response).get("outputs").get(0);
        assertThat(output.get("shape")).extracting(JsonNode::asLong).containsExactly(1L, 10L);
        assertThat(json(response).has("id")).as("no id asked, none echoed").isFalse();
    }

    @Test
    void badRequestsAre400sInTheProtocolsErrorShape() throws Exception {
        Map<String, Object> images = encodedImages("image", IMAGES.subList(0, 1));
        assertError(
                client.post("/v2/models/" + MODEL + "/infer", "{\"inputs\": [", MediaType.APPLICATION_JSON),
                400,
                "not an inference request");
        assertError(client.infer(MODEL, Map.of("inputs", List.of(images, images))), 400, "one input");
        assertError(
                client.infer(
                        MODEL,
                        Map.of(
                                "inputs",
                                List.of(OipClient.input("input", List.of(1, 4), "INT64", List.of(1, 2, 3, 4))))),
                400,
                "datatype 'INT64'");
        assertError(
                client.infer(
                        MODEL,
                        Map.of(
                                "inputs",
                                List.of(OipClient.input(
                                        "input",
                                        List.of(1, 3, 64, 64),
                                        "FP32",
                                        Collections.nCopies(3 * 64 * 64, 0.5))))),
                400,
                "takes prepared images shaped (N, 1, 64, 64)");
        assertError(
                client.infer(
                        MODEL,
                        Map.of(
                                "inputs",
                                List.of(OipClient.input("input", List.of(1, 1, 64, 64), "FP32", List.of(0.1, 0.2))))),
                400,
                "has shape [1, 1, 64, 64] but 2 elements");
        assertError(
                client.infer(
                        MODEL,
                        Map.of(
                                "inputs",
                                List.of(OipClient.input("input", List.of(1, 1), "FP32", List.of(List.of(0.1, "x")))))),
                400,
                "mixes strings and numbers at inputs[0].data");
        assertError(
                client.infer(
                        MODEL,
                        Map.of(
                                "inputs",
                                List.of(OipClient.input(
                                        "image",
                                        List.of(1),
                                        "BYTES",
                                        List.of(Base64.getEncoder().encodeToString("hello".getBytes())))))),
                400,
                "'image[0]': the file is not in an image format");
        assertError(
                client.infer(
                        MODEL,
                        Map.of("inputs", List.of(OipClient.input("image", List.of(1), "BYTES", List.of("%%%%"))))),
                400,
                "'image[0]' holds no image bytes");
        assertError(
                client.infer(
                        MODEL,
                        Map.of(
                                "inputs",
                                List.of(OipClient.input("input", List.of(1L << 40, 1L << 40), "FP32", List.of(0.1))))),
                400,
                "shape too large");
        assertError(
                client.infer(MODEL, Map.of("inputs", List.of(images), "outputs", List.of(Map.of("name", "logits")))),
                400,
                "no output 'logits'");
        assertError(
                client.infer(
                        MODEL,
                        Map.of(
                                "inputs",
                                List.of(images),
                                "outputs",
                                List.of(Map.of("name", "probabilities"), Map.of("name", "probabilities")))),
                400,
                "requested more than once");
        assertError(
                client.infer(
                        MODEL,
                        Map.of(
                                "inputs",
                                List.of(images),
                                "outputs",
                                List.of(Map.of("name", "probabilities", "parameters", Map.of("classification", -1))))),
                400,
                "'classification' parameter");
        List<String> tooMany = Collections.nCopies(33, (String) ((List<?>) images.get("data")).get(0));
        assertError(
                client.infer(MODEL, Map.of("inputs", List.of(OipClient.input("image", List.of(33), "BYTES", tooMany)))),
                400,
                "1 to 32 images; this one has 33");
    }

    @Test
    void unknownModelsVersionsAndEndpointsAre404s() throws Exception {
        Map<String, Object> request = Map.of("inputs", List.of(encodedImages("image", IMAGES.subList(0, 1))));
        assertError(client.get("/v2/models/resnet"), 404, "no model named 'resnet'");
        assertError(client.get("/v2/models/resnet/ready"), 404, "no model named 'resnet'");
        assertError(client.infer("resnet", request), 404, "no model named 'resnet'");
        assertError(client.get("/v2/models/" + MODEL + "/versions/2"), 404, "no version '2'");
        assertError(
                client.post(
                        "/v2/models/" + MODEL + "/versions/2/infer",
                        OipClient.JSON.writeValueAsString(request),
                        MediaType.APPLICATION_JSON),
                404,
                "no version '2'");
        assertError(client.get("/v2/models/" + MODEL + "/infer"), 404, "no such endpoint: GET");
        assertError(client.get("/v2/repository/index"), 404, "no such endpoint");
    }

    /** Without a repository and with model control off (the defaults), the repository extension refuses. */
    @Test
    void theRepositoryExtensionIsOffByDefault() {
        for (String path : List.of(
                "/v2/repository/index",
                "/v2/repository/models/" + MODEL + "/load",
                "/v2/repository/models/" + MODEL + "/unload")) {
            assertError(
                    client.post(path, "{}", MediaType.APPLICATION_JSON),
                    400,
                    "model control is off: set inception.model-control to explicit (or poll)");
        }
        assertThat(client.get("/v2/models/" + MODEL + "/ready").getStatusCode().value())
                .isEqualTo(200);
    }

    static void assertError(ResponseEntity<String> response, int status, String fragment) {
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(status);
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
        JsonNode error = json(response);
        assertThat(error.propertyNames()).containsExactly("error");
        assertThat(error.get("error").asString()).contains(fragment);
    }

    static ModelArtifact artifact(String name) {
        return ModelArtifact.open(name, file -> Files.newInputStream(Path.of("src/main/resources/models", name, file)));
    }

    static Path image(String name) {
        return Path.of("src/test/resources/images", name);
    }

    static Map<String, Object> encodedImages(String name, List<String> images) throws Exception {
        List<String> data = new ArrayList<>();
        for (String image : images) {
            data.add(Base64.getEncoder().encodeToString(Files.readAllBytes(image(image))));
        }
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("name", name);
        input.put("shape", List.of(images.size()));
        input.put("datatype", "BYTES");
        input.put("data", data);
        return input;
    }

    private static void assertTensor(JsonNode tensor, String name, String datatype, long... shape) {
        assertThat(tensor.get("name").asString()).isEqualTo(name);
        assertThat(tensor.get("datatype").asString()).isEqualTo(datatype);
        assertThat(tensor.get("shape"))
                .extracting(JsonNode::asLong)
                .containsExactly(java.util.Arrays.stream(shape).boxed().toArray(Long[]::new));
    }

    private static JsonNode output(ResponseEntity<String> response) {
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return json(response).get("outputs").get(0);
    }

    private static float[][] matrix(JsonNode output, int rows, int columns) {
        JsonNode data = output.get("data");
        assertThat(data).hasSize(rows * columns);
        float[][] matrix = new float[rows][columns];
        for (int i = 0; i < rows * columns; i++) {
            matrix[i / columns][i % columns] = data.get(i).floatValue();
        }
        return matrix;
    }

    /** Images as the protocol's natural nesting: [N][C][H][W]. */
    private static List<List<List<List<Float>>>> nest(List<float[]> images, int channels, int size) {
        List<List<List<List<Float>>>> batch = new ArrayList<>();
        for (float[] image : images) {
            List<List<List<Float>>> planes = new ArrayList<>();
            for (int c = 0; c < channels; c++) {
                List<List<Float>> rows = new ArrayList<>();
                for (int y = 0; y < size; y++) {
                    List<Float> row = new ArrayList<>();
                    for (int x = 0; x < size; x++) {
                        row.add(image[(c * size + y) * size + x]);
                    }
                    rows.add(row);
                }
                planes.add(rows);
            }
            batch.add(planes);
        }
        return batch;
    }

    private static List<Float> flat(List<float[]> images) {
        List<Float> values = new ArrayList<>();
        for (float[] image : images) {
            for (float v : image) {
                values.add(v);
            }
        }
        return values;
    }
}
