package io.inceptionserve.oip;

import static io.inceptionserve.oip.OipApiTest.artifact;
import static io.inceptionserve.oip.OipApiTest.image;
import static io.inceptionserve.oip.TritonWire.bytesTensor;
import static io.inceptionserve.oip.TritonWire.fp16Tensor;
import static io.inceptionserve.oip.TritonWire.fp32Tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.image.ImagePreprocessor;
import java.awt.image.BufferedImage;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.test.annotation.DirtiesContext;
import tools.jackson.databind.JsonNode;

/**
 * The protocol from a client's side, written from the specifications (the Open Inference
 * Protocol's REST API, Triton's binary tensor data, classification, model configuration and
 * statistics extensions), over real HTTP against the real service: bodies are built byte by byte
 * as the documents lay them out, and read back the same way.
 *
 * <p>The queue holds one image, so a request of two is refused as overload, deterministically.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "inception.inference.queue-capacity=1",
            "inception.inference.warmup-iterations=0",
            "spring.servlet.multipart.max-request-size=2MB"
        })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// Settings no other test shares: the context is closed after the class, not cached, freeing its models.
@DirtiesContext
class OipProtocolTest {

    private static final String MODEL = "googlenet-bn";
    private static final String INFER = "/v2/models/" + MODEL + "/infer";

    @Value("${local.server.port}")
    int port;

    @Autowired
    ApplicationEventPublisher events;

    TritonWire wire;
    ModelArtifact artifact;
    byte[] jpeg;
    float[] reference;

    @BeforeAll
    void start() throws Exception {
        new OipClient(port).awaitReady(Duration.ofMinutes(3));
        wire = new TritonWire(port);
        artifact = artifact(MODEL);
        jpeg = Files.readAllBytes(image("pullover.jpg"));
        String json = """
                {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": ["%s"]}]}""".formatted(Base64.getEncoder().encodeToString(jpeg));
        TritonWire.Answer answer = wire.send(wire.request(INFER).POST(HttpRequest.BodyPublishers.ofString(json)));
        assertThat(answer.status()).as(answer.json().toString()).isEqualTo(200);
        reference = answer.floats();
        assertThat(reference).hasSize(artifact.labels().size());
    }

    /**
     * What {@code tritonclient.http}'s {@code infer} sends by default for an encoded image set with
     * {@code set_data_from_numpy} and no outputs named: Python's {@code json.dumps} of the request
     * (its ", " and ": " separators), {@code binary_data_size} on the input, {@code
     * binary_data_output} on the request, the tensor after the JSON, no Content-Type.
     */
    @Test
    void theTritonClientsDefaultCallClassifiesAJpeg() throws Exception {
        byte[] tensor = bytesTensor(jpeg);
        String header = "{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", "
                + "\"parameters\": {\"binary_data_size\": " + tensor.length + "}}], "
                + "\"parameters\": {\"binary_data_output\": true}}";

        TritonWire.Answer answer = wire.post(INFER, header, tensor);

        assertThat(answer.status()).as(answer.json().toString()).isEqualTo(200);
        assertThat(answer.header(TritonWire.HEADER)).isNotNull();
        JsonNode output = answer.output();
        assertThat(output.get("name").asString()).isEqualTo("probabilities");
        assertThat(output.get("datatype").asString()).isEqualTo("FP32");
        assertThat(output.get("shape")).extracting(JsonNode::asLong).containsExactly(1L, (long)
                artifact.labels().size());
        assertThat(output.has("data")).isFalse();
        assertThat(answer.floats()).containsExactly(reference);
        assertThat(answer.json().get("model_name").asString()).isEqualTo(MODEL);
    }

    /**
     * The raw form: header length 0, the whole body one encoded image, as {@code curl -H
     * 'Inference-Header-Content-Length: 0' --data-binary @photo.jpg} sends it (declared a form).
     */
    @Test
    void aRawJpegBodyIsOneImage() throws Exception {
        TritonWire.Answer answer = wire.send(wire.request(INFER)
                .header(TritonWire.HEADER, "0")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofByteArray(jpeg)));

        assertThat(answer.status()).as(answer.json().toString()).isEqualTo(200);
        assertThat(answer.floats()).containsExactly(reference);
    }

    /** The id comes back; one output selected with binary_data and classification gives BYTES strings in binary. */
    @Test
    void classificationInBinaryWithTheIdEchoed() throws Exception {
        byte[] tensor = bytesTensor(jpeg);
        String header = "{\"id\": \"req-7\", \"inputs\": [{\"name\": \"image\", \"shape\": [1, 1], \"datatype\": "
                + "\"BYTES\", \"parameters\": {\"binary_data_size\": " + tensor.length + "}}], \"outputs\": "
                + "[{\"name\": \"probabilities\", \"parameters\": {\"binary_data\": true, \"classification\": 3}}]}";

        TritonWire.Answer answer = wire.post(INFER, header, tensor);

        assertThat(answer.status()).as(answer.json().toString()).isEqualTo(200);
        assertThat(answer.json().get("id").asString()).isEqualTo("req-7");
        assertThat(answer.output().get("datatype").asString()).isEqualTo("BYTES");
        assertThat(answer.output().get("shape")).extracting(JsonNode::asLong).containsExactly(1L, 3L);
        List<String> classes = answer.strings();
        assertThat(classes).hasSize(3);
        int best = argmax(reference);
        assertThat(classes.get(0)).endsWith(":" + best + ":" + artifact.labels().get(best));
        assertThat(Float.parseFloat(classes.get(0).split(":")[0])).isCloseTo(reference[best], within(5e-7f));
    }

    /** A binary input with a JSON output: binary_data false on the output overrides binary_data_output. */
    @Test
    void binaryInJsonOut() throws Exception {
        byte[] tensor = bytesTensor(jpeg);
        String header = "{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", "
                + "\"parameters\": {\"binary_data_size\": " + tensor.length + "}}], "
                + "\"outputs\": [{\"name\": \"probabilities\", \"parameters\": {\"binary_data\": false}}], "
                + "\"parameters\": {\"binary_data_output\": true}}";

        TritonWire.Answer answer = wire.post(INFER, header, tensor);

        assertThat(answer.header(TritonWire.HEADER)).isNull();
        assertThat(answer.output().has("data")).isTrue();
        assertThat(answer.floats()).containsExactly(reference);
    }

    @Test
    void preparedTensorsInFp32AndFp16() throws Exception {
        float[] prepared = new ImagePreprocessor(artifact.manifest()).prepare(jpeg);
        var input = artifact.manifest().input();
        String shape = "[1, " + input.channels() + ", " + input.size() + ", " + input.size() + "]";

        TritonWire.Answer fp32 =
                wire.post(INFER, tensorHeader("input", shape, "FP32", 4 * prepared.length), fp32Tensor(prepared));
        TritonWire.Answer fp16 =
                wire.post(INFER, tensorHeader("input", shape, "FP16", 2 * prepared.length), fp16Tensor(prepared));

        assertThat(fp32.status()).as(fp32.json().toString()).isEqualTo(200);
        float[] fromFp32 = fp32.floats();
        for (int c = 0; c < reference.length; c++) {
            assertThat(fromFp32[c]).isCloseTo(reference[c], within(1e-6f));
        }
        assertThat(fp16.status()).as(fp16.json().toString()).isEqualTo(200);
        float[] fromFp16 = fp16.floats();
        for (int c = 0; c < reference.length; c++) {
            // Half precision keeps about three decimal digits of each input value.
            assertThat(fromFp16[c]).isCloseTo(reference[c], within(1e-2f));
        }
    }

    /** Decoded pixels, [N, H, W, C] before normalisation, are prepared as the decoded JPEG is. */
    @Test
    void uint8PixelsAsTheDecodedImage() throws Exception {
        BufferedImage decoded = ImageIO.read(image("pullover.jpg").toFile());
        int width = decoded.getWidth();
        int height = decoded.getHeight();
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = decoded.getRGB(x, y);
                int at = (y * width + x) * 3;
                rgb[at] = (byte) (p >> 16);
                rgb[at + 1] = (byte) (p >> 8);
                rgb[at + 2] = (byte) p;
            }
        }
        String shape = "[1, " + height + ", " + width + ", 3]";

        TritonWire.Answer binary = wire.post(INFER, tensorHeader("pixels", shape, "UINT8", rgb.length), rgb);
        assertThat(binary.status()).as(binary.json().toString()).isEqualTo(200);
        assertThat(binary.floats()).containsExactly(reference);

        StringBuilder data = new StringBuilder();
        for (byte b : rgb) {
            data.append(data.isEmpty() ? "" : ",").append(b & 0xff);
        }
        TritonWire.Answer json = wire.send(wire.request(INFER)
                .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [{\"name\": \"pixels\", \"shape\": " + shape
                        + ", \"datatype\": \"UINT8\", \"data\": [" + data + "]}]}")));
        assertThat(json.status()).as(json.json().toString()).isEqualTo(200);
        assertThat(json.floats()).containsExactly(reference);
    }

    @Test
    void nonFiniteValuesAre400sNamingTheInput() throws Exception {
        int length =
                artifact.manifest().input().size() * artifact.manifest().input().size();
        String shape = "[1, 1, " + artifact.manifest().input().size() + ", "
                + artifact.manifest().input().size() + "]";
        float[] values = new float[length];
        values[5] = Float.NaN;
        assertProtocolError(
                wire.post(INFER, tensorHeader("frame", shape, "FP32", 4 * length), fp32Tensor(values)),
                400,
                "input 'frame' element 5 is NaN");
        values[5] = Float.NEGATIVE_INFINITY;
        assertProtocolError(
                wire.post(INFER, tensorHeader("frame", shape, "FP16", 2 * length), fp16Tensor(values)),
                400,
                "input 'frame' element 5 is -Infinity");
        // 1e39 overflows FP32 as JSON is read; 70000 is beyond FP16's largest value.
        assertProtocolError(
                wire.send(wire.request(INFER)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [{\"name\": \"big\", \"shape\": [1],"
                                + " \"datatype\": \"FP32\", \"data\": [1e39]}]}"))),
                400,
                "input 'big' element 0 is Infinity");
        assertProtocolError(
                wire.send(wire.request(INFER)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [{\"name\": \"big\", \"shape\": [1],"
                                + " \"datatype\": \"FP16\", \"data\": [70000]}]}"))),
                400,
                "input 'big' element 0 is 70000.0, not a finite FP16 value");
    }

    @Test
    void malformedBinaryBodiesAre400s() throws Exception {
        byte[] tensor = bytesTensor(jpeg);
        assertProtocolError(
                wire.post(INFER, tensorHeader("image", "[1]", "BYTES", tensor.length + 1), tensor),
                400,
                "binary_data_size " + (tensor.length + 1) + " but only " + tensor.length);
        assertProtocolError(
                wire.post(INFER, tensorHeader("input", "[1]", "FP32", 4), new byte[5]), 400, "1 bytes after the JSON");
        assertProtocolError(
                wire.post(INFER, tensorHeader("image", "[1]", "BYTES", 6), new byte[] {9, 0, 0, 0, 1, 2}),
                400,
                "element 0 declares 9 bytes but only 2 follow");
        assertProtocolError(
                wire.post(INFER, tensorHeader("input", "[1, 3]", "FP32", 6), new byte[6]),
                400,
                "not a whole number of 4-byte elements");
        assertProtocolError(
                wire.send(wire.request(INFER)
                        .header(TritonWire.HEADER, "99999")
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))),
                400,
                "Inference-Header-Content-Length is 99999 but the body has 2 bytes");
        assertProtocolError(
                wire.post(INFER, tensorHeader("pixels", "[1, 2, 2, 4]", "UINT8", 16), new byte[16]),
                400,
                "C 1 (grey) or 3 (RGB)");
    }

    @Test
    void overloadIs503WithRetryAfter() throws Exception {
        byte[] tensor = bytesTensor(jpeg, jpeg);
        TritonWire.Answer answer = wire.post(INFER, tensorHeader("image", "[2]", "BYTES", tensor.length), tensor);

        assertProtocolError(answer, 503, "");
        assertThat(answer.header("Retry-After")).isEqualTo("1");
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
        byte[] big = new byte[3 * 1024 * 1024];
        TritonWire.Answer answer = wire.send(
                wire.request(INFER).header(TritonWire.HEADER, "0").POST(HttpRequest.BodyPublishers.ofByteArray(big)));

        assertProtocolError(answer, 413, "exceeds the limit of 2097152 bytes");
    }

    @Test
    void readinessFollowsTheShutdownDrain() throws Exception {
        assertThat(wire.send(wire.request("/v2/health/ready").GET()).status()).isEqualTo(200);
        AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
        try {
            TritonWire.Answer draining =
                    wire.send(wire.request("/v2/health/ready").GET());
            assertThat(draining.status()).isEqualTo(503);
            assertThat(draining.json().get("ready").asBoolean()).isFalse();
        } finally {
            AvailabilityChangeEvent.publish(events, this, ReadinessState.ACCEPTING_TRAFFIC);
        }
    }

    @Test
    void discovery() throws Exception {
        for (String path : List.of("/v2", "/v2/")) {
            JsonNode server = wire.send(wire.request(path).GET()).json();
            assertThat(server.get("extensions"))
                    .extracting(JsonNode::asString)
                    .containsExactlyInAnyOrder(
                            "binary_tensor_data",
                            "classification",
                            "model_configuration",
                            "model_repository",
                            "statistics");
        }

        JsonNode config =
                wire.send(wire.request("/v2/models/" + MODEL + "/config").GET()).json();
        var input = artifact.manifest().input();
        assertThat(config.get("name").asString()).isEqualTo(MODEL);
        assertThat(config.get("max_batch_size").asInt()).isEqualTo(32);
        assertThat(config.get("input").get(0).get("dims"))
                .extracting(JsonNode::asLong)
                .containsExactly((long) input.channels(), (long) input.size(), (long) input.size());
        assertThat(config.get("input").get(1).get("data_type").asString()).isEqualTo("TYPE_STRING");
        assertThat(config.get("output").get(0).get("dims").get(0).asInt())
                .isEqualTo(artifact.labels().size());
        assertThat(config.get("dynamic_batching")
                        .get("max_queue_delay_microseconds")
                        .asLong())
                .isEqualTo(5000);

        JsonNode before = stats();
        wire.post(INFER, tensorHeader("image", "[1]", "BYTES", bytesTensor(jpeg).length), bytesTensor(jpeg));
        JsonNode after = stats();
        assertThat(after.get("inference_count").asLong())
                .isEqualTo(before.get("inference_count").asLong() + 1);
        assertThat(after.at("/inference_stats/success/count").asLong())
                .isEqualTo(before.at("/inference_stats/success/count").asLong() + 1);
        assertThat(after.at("/inference_stats/success/ns").asLong())
                .isGreaterThan(before.at("/inference_stats/success/ns").asLong());
        assertThat(after.get("execution_count").asLong())
                .isGreaterThan(before.get("execution_count").asLong());
        JsonNode all = wire.send(wire.request("/v2/models/stats").GET()).json();
        assertThat(all.get("model_stats")).hasSize(3);
    }

    private JsonNode stats() throws Exception {
        TritonWire.Answer answer =
                wire.send(wire.request("/v2/models/" + MODEL + "/stats").GET());
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().get("model_stats")).hasSize(1);
        return answer.json().get("model_stats").get(0);
    }

    private static String tensorHeader(String name, String shape, String datatype, int size) {
        return "{\"inputs\": [{\"name\": \"" + name + "\", \"shape\": " + shape + ", \"datatype\": \"" + datatype
                + "\", \"parameters\": {\"binary_data_size\": " + size + "}}]}";
    }

    private static void assertProtocolError(TritonWire.Answer answer, int status, String fragment) {
        assertThat(answer.status()).as(answer.json().toString()).isEqualTo(status);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        assertThat(answer.json().propertyNames()).containsExactly("error");
        assertThat(answer.json().get("error").asString()).contains(fragment);
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
