package io.inceptionserve.api;

import static io.inceptionserve.api.ServiceClient.image;
import static io.inceptionserve.api.ServiceClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.inceptionserve.model.CpuFeatures;
import io.inceptionserve.model.Precision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

/** The service end to end: real engine, real HTTP on a random port, real image files. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ClassifyApiTest extends RunningServiceTest {

    @Test
    void classifiesAPngUpload() throws Exception {
        ResponseEntity<String> response = client.classify("?model=googlenet&topK=3", List.of(image("ankle-boot.png")));

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("model").asString()).isEqualTo("googlenet");
        assertThat(body.get("architecture").asString()).isEqualTo("googlenet");
        assertThat(body.get("device").asString()).isEqualTo("cpu()");
        JsonNode result = body.get("images").get(0);
        assertThat(result.get("filename").asString()).isEqualTo("ankle-boot.png");
        assertSortedProbabilities(result.get("predictions"), 3);
        assertThat(result.get("inferenceMs").asDouble()).isPositive();
        assertThat(result.get("preprocessMs").asDouble()).isPositive();
        assertThat(result.get("queueMs").asDouble()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void classifiesSeveralImagesInOneRequest() throws Exception {
        ResponseEntity<String> response = client.classify(
                "?model=inception-v2", List.of(image("ankle-boot.png"), image("pullover.jpg"), image("trouser.png")));

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        JsonNode images = json(response).get("images");
        assertThat(images).hasSize(3);
        assertThat(images.get(1).get("filename").asString()).isEqualTo("pullover.jpg");
        for (JsonNode result : images) {
            assertSortedProbabilities(result.get("predictions"), 5);
        }
    }

    @Test
    void classifiesARawJpegBodyWithTheDefaultModel() throws Exception {
        byte[] jpeg = Files.readAllBytes(image("pullover.jpg"));

        ResponseEntity<String> response = client.classifyBody("?topK=10", jpeg, MediaType.IMAGE_JPEG);

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("model").asString()).isEqualTo("googlenet-bn");
        JsonNode predictions = body.get("images").get(0).get("predictions");
        assertSortedProbabilities(predictions, 10);
        double total = 0;
        for (JsonNode p : predictions) {
            total += p.get("probability").asDouble();
        }
        assertThat(total)
                .as("all 10 classes' probabilities sum to 1")
                .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
    }

    @Test
    void untrainedModelsSaySo() throws Exception {
        JsonNode body = json(client.classify("", List.of(image("trouser.png"))));
        JsonNode models = json(client.get("/models"));

        for (JsonNode model : models) {
            if (!model.get("trained").asBoolean()) {
                assertThat(model.get("description").asString()).isNotBlank();
            }
        }
        boolean defaultTrained = false;
        for (JsonNode model : models) {
            if (model.get("isDefault").asBoolean()) {
                defaultTrained = model.get("trained").asBoolean();
            }
        }
        assertThat(body.get("trained").asBoolean()).isEqualTo(defaultTrained);
    }

    @Test
    void listsTheModels() {
        ResponseEntity<String> response = client.get("/models");

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        JsonNode models = json(response);
        assertThat(models)
                .extracting(m -> m.get("name").asString())
                .containsExactly("googlenet", "googlenet-bn", "inception-v2");
        for (JsonNode model : models) {
            assertThat(model.get("status").asString()).isEqualTo("READY");
            assertThat(model.get("labels").asInt()).isEqualTo(10);
            assertThat(model.get("input").get("channels").asInt()).isEqualTo(1);
            assertThat(model.get("devices").get(0).asString()).isEqualTo("cpu()");
            assertThat(model.get("precision").asString()).isEqualTo(autoPrecisionOnThisCpu());
        }
        assertThat(json(client.get("/models/inception-v2")).get("architecture").asString())
                .isEqualTo("inception-v2");
    }

    /** A newcomer sees at once that the bundled models know clothing, and how well. */
    @Test
    void modelsSayWhatTheyKnowWhatTheyWereTrainedOnAndHowAccurateTheyAre() throws Exception {
        JsonNode model = json(client.get("/models/googlenet-bn"));

        assertThat(model.get("classes"))
                .extracting(JsonNode::asString)
                .containsExactlyElementsOf(
                        Files.readAllLines(Path.of("src/main/resources/models/googlenet-bn/labels.txt")))
                .contains("Bag", "Ankle boot");
        assertThat(model.get("trainedOn").asString())
                .startsWith("Fashion-MNIST")
                .contains("clothing");
        assertThat(model.get("accuracy").get("top1").asDouble()).isEqualTo(0.939);
        assertThat(model.get("accuracy").get("testImages").asInt()).isEqualTo(10_000);
        for (JsonNode listed : json(client.get("/models"))) {
            assertThat(listed.get("trainedOn").asString())
                    .as(listed.get("name").asString())
                    .contains("Fashion-MNIST");
            assertThat(listed.get("accuracy").get("top1").asDouble()).isBetween(0.93, 0.94);
        }
    }

    /** What {@code precision: auto} picks here: bfloat16 on a CPU with native bfloat16, else float32. */
    private static String autoPrecisionOnThisCpu() {
        return Precision.AUTO
                .resolve(Device.cpu(), CpuFeatures.detect())
                .precision()
                .id();
    }

    @Test
    void unknownModelIsA404Problem() throws Exception {
        ResponseEntity<String> response = client.classify("?model=resnet", List.of(image("trouser.png")));

        assertProblem(response, 404, "no model named 'resnet'");
        assertProblem(client.get("/models/resnet"), 404, "googlenet-bn");
    }

    @Test
    void nonImageBodyIsA415Problem() {
        ResponseEntity<String> response = client.classifyBody(
                "", "this is not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8), MediaType.IMAGE_PNG);

        assertProblem(response, 415, "not in an image format");
    }

    @Test
    void truncatedImageIsA422Problem() throws Exception {
        byte[] png = Files.readAllBytes(image("ankle-boot.png"));
        byte[] truncated = java.util.Arrays.copyOf(png, png.length / 2);

        assertProblem(client.classifyBody("", truncated, MediaType.IMAGE_PNG), 422, "cannot be decoded");
    }

    @Test
    void wrongContentTypeAndBadParametersAreProblems() throws Exception {
        assertProblem(client.classifyBody("", "x".getBytes(), MediaType.TEXT_PLAIN), 415, "text/plain");
        assertProblem(client.classify("?topK=11", List.of(image("trouser.png"))), 400, "topK must be between 1 and 10");
        assertProblem(client.classify("?topK=abc", List.of(image("trouser.png"))), 400, "topK");
        assertProblem(client.classifyBody("", new byte[0], MediaType.IMAGE_JPEG), 400, "empty");
    }

    @Test
    void oversizedInputsAre413Problems() throws Exception {
        byte[] huge = new byte[16 * 1024 * 1024 + 1];
        assertProblem(client.classifyBody("", huge, MediaType.IMAGE_JPEG), 413, "exceeds the limit of 16777216 bytes");

        java.awt.image.BufferedImage bomb =
                new java.awt.image.BufferedImage(10_000, 10_000, java.awt.image.BufferedImage.TYPE_BYTE_BINARY);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(bomb, "png", png);
        assertThat(png.size())
                .as("a decompression bomb: tiny file, 100 megapixels")
                .isLessThan(1_000_000);
        assertProblem(
                client.classifyBody("", png.toByteArray(), MediaType.IMAGE_PNG),
                413,
                "10000×10000 = 100000000 pixels; at most 50000000 are decoded");
    }

    @Test
    void prometheusExposesPerModelMetricsAfterRequests() throws Exception {
        client.classify("?model=googlenet-bn", List.of(image("trouser.png"), image("ankle-boot.png")));

        String metrics = management.get("/actuator/prometheus").getBody();

        assertThat(count(
                        metrics,
                        "inception_requests_seconds_count\\{[^}]*model=\"googlenet-bn\",outcome=\"success\"[^}]*\\}"))
                .isPositive();
        assertThat(count(metrics, "inception_images_total\\{[^}]*model=\"googlenet-bn\"[^}]*\\}"))
                .isGreaterThanOrEqualTo(2);
        assertThat(count(
                        metrics,
                        "inception_inference_seconds_count\\{[^}]*device=\"cpu\\(\\)\",model=\"googlenet-bn\"[^}]*\\}"))
                .isPositive();
        assertThat(count(metrics, "inception_batch_size_count\\{[^}]*model=\"googlenet-bn\"[^}]*\\}"))
                .isPositive();
        assertThat(metrics)
                .contains("inception_requests_seconds_bucket")
                .contains("inception_requests_inflight")
                .contains("inception_inference_seconds_bucket")
                .contains("inception_queue_wait_seconds_bucket")
                .contains("inception_preprocess_seconds_bucket");
    }

    @Test
    void throughputEndpointMovesAfterABurst() throws Exception {
        double before = json(management.get("/actuator/inference"))
                .path("googlenet")
                .path("imagesPerSecond")
                .asDouble(0);

        for (int i = 0; i < 6; i++) {
            client.classify("?model=googlenet", List.of(image("trouser.png"), image("pullover.jpg")));
        }

        JsonNode after = json(management.get("/actuator/inference")).get("googlenet");
        assertThat(after.get("imagesPerSecond").asDouble()).isGreaterThanOrEqualTo(before + 12.0 / 60 - 1e-9);
        assertThat(after.get("requestsPerSecond").asDouble()).isPositive();
        assertThat(after.get("latencyMs").get("p99").asDouble()).isPositive();
    }

    @Test
    void swaggerDocumentsTheEndpoints() {
        assertThat(client.get("/swagger-ui.html").getStatusCode().is2xxSuccessful()
                        || client.get("/swagger-ui.html").getStatusCode().is3xxRedirection())
                .isTrue();
        JsonNode api = json(client.get("/v3/api-docs"));
        JsonNode classify = api.get("paths").get("/classify").get("post");
        assertThat(classify.get("requestBody").get("content").has("multipart/form-data"))
                .isTrue();
        assertThat(classify.get("responses").get("415").get("content").has("application/problem+json"))
                .isTrue();
        assertThat(classify.get("responses")
                        .get("200")
                        .get("content")
                        .get("application/json")
                        .get("schema")
                        .get("$ref")
                        .asString())
                .endsWith("/Classification");
        assertThat(api.get("paths").has("/models")).isTrue();
    }

    static void assertProblem(ResponseEntity<String> response, int status, String detailFragment) {
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(status);
        assertThat(response.getHeaders().getContentType()).isNotNull();
        assertThat(response.getHeaders().getContentType().toString()).startsWith("application/problem+json");
        JsonNode problem = json(response);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asString()).isNotBlank();
        assertThat(problem.get("detail").asString()).contains(detailFragment);
    }

    private static void assertSortedProbabilities(JsonNode predictions, int k) {
        assertThat(predictions).hasSize(k);
        double previous = 1.0;
        java.util.Set<Integer> classes = new java.util.HashSet<>();
        for (JsonNode prediction : predictions) {
            double p = prediction.get("probability").asDouble();
            assertThat(p).isBetween(0.0, 1.0).isLessThanOrEqualTo(previous);
            previous = p;
            assertThat(prediction.get("label").asString()).isNotBlank();
            assertThat(classes.add(prediction.get("classIndex").asInt())).isTrue();
        }
    }

    private static double count(String metrics, String seriesRegex) {
        Matcher m = Pattern.compile("(?m)^" + seriesRegex + " ([0-9.eE+-]+)$").matcher(metrics);
        double total = 0;
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
        }
        return total;
    }
}
