package io.inceptionserve.importer;

import static io.inceptionserve.importer.ImportCommandTest.importCommand;
import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.importer.ImportCommandTest.Execution;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * torchvision's googlenet and inception_v3 (random weights, BatchNorm statistics made
 * non-trivial, saved by Debian's python3-torchvision), imported and served, answer real
 * photographs as torchvision's PIL pipeline does: through {@code POST /classify} with the raw
 * file, through {@code /v2} with the file as a binary BYTES tensor, and through {@code /v2} with
 * the pixels PIL decoded as a UINT8 tensor.
 *
 * <p>PNG decoders agree bit for bit, so PNG photos must match tightly (the same top 5, every
 * probability within 1e-4). JPEG is decoded by two different libraries (the JDK's libjpeg, Pillow's
 * libjpeg-turbo), so JPEG photos must only keep the top class and every probability within 2e-3;
 * the same photos' PIL-decoded pixels sent as UINT8 must match as tightly as PNG does, so that
 * whatever remains between the two routes is the decoder's share. The test prints each figure,
 * and how far the two decoders' pixels are apart.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// Settings no other test shares: the context is closed after the class, not cached, freeing its models.
@DirtiesContext
class PhotoParityTest {

    private static final List<String> MODELS = List.of("googlenet-bn", "inception-v3");
    private static final double PNG_TOLERANCE = 1e-4;
    private static final double JPEG_TOLERANCE = 2e-3;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path models;

    @Value("${local.server.port}")
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void importBoth() throws IOException {
        for (String model : MODELS) {
            Execution execution = importCommand(
                    "--arch",
                    model,
                    "--from",
                    TorchReference.networks().resolve(model + ".pth").toString(),
                    "--out",
                    models.resolve(model).toString());
            assertThat(execution.exitCode()).as(execution.err()).isZero();
        }
    }

    @DynamicPropertySource
    static void serveThem(DynamicPropertyRegistry registry) {
        for (String model : MODELS) {
            registry.add("inception.models.imported-" + model, () -> "file:" + models.resolve(model) + "/");
            // Parity with torchvision's float32 probabilities to 1e-4 needs float32, whatever the CPU.
            registry.add("inception.inference.model-precision.imported-" + model, () -> "float32");
        }
    }

    @Test
    void everyPhotoAnswersAsTorchvisionsPilPipeline() throws Exception {
        Path reference = TorchReference.photos();
        JsonNode sizes = JSON.readTree(reference.resolve("photos.json").toFile());
        awaitReady();
        List<String> failures = new ArrayList<>();
        System.out.println("model         photo                  route         max|Δp|   top-5 same");
        for (String model : MODELS) {
            float[][] expected =
                    TorchReference.rows(TorchReference.readFloats(reference.resolve(model + ".photos.f32")), 1000);
            for (int i = 0; i < TorchReference.PHOTOS.size(); i++) {
                Path photo = TorchReference.PHOTOS.get(i);
                String name = photo.getFileName().toString();
                boolean png = name.endsWith(".png");
                byte[] file = Files.readAllBytes(photo);
                byte[] pilPixels = Files.readAllBytes(reference.resolve(name + ".rgb"));
                int width = sizes.get(name).get(0).asInt();
                int height = sizes.get(name).get(1).asInt();
                String served = "imported-" + model;

                check(failures, model, name, "/classify", classify(served, file), expected[i], png);
                check(failures, model, name, "/v2 BYTES", inferBytes(served, file), expected[i], png);
                check(
                        failures,
                        model,
                        name,
                        "/v2 PIL UINT8",
                        inferPixels(served, pilPixels, height, width),
                        expected[i],
                        true);
            }
        }
        printDecoderDifferences(reference);
        assertThat(failures).isEmpty();
    }

    private static void check(
            List<String> failures,
            String model,
            String photo,
            String route,
            float[] actual,
            float[] expected,
            boolean tight) {
        double maxDelta = 0;
        for (int c = 0; c < expected.length; c++) {
            maxDelta = Math.max(maxDelta, Math.abs(actual[c] - expected[c]));
        }
        boolean sameTop5 = top(actual, 5).equals(top(expected, 5));
        boolean sameTop1 = top(actual, 1).equals(top(expected, 1));
        System.out.printf(Locale.ROOT, "%-13s %-22s %-13s %.2e  %s%n", model, photo, route, maxDelta, sameTop5);
        double tolerance = tight ? PNG_TOLERANCE : JPEG_TOLERANCE;
        if (maxDelta > tolerance || !(tight ? sameTop5 : sameTop1)) {
            failures.add(String.format(
                    Locale.ROOT,
                    "%s %s %s: max |Δp| %.2e (allowed %.0e), top-5 %s vs torchvision %s",
                    model,
                    photo,
                    route,
                    maxDelta,
                    tolerance,
                    top(actual, 5),
                    top(expected, 5)));
        }
    }

    /** How far the service's decoding of each JPEG (the JDK's decoder) is from Pillow's, in 8-bit levels. */
    private static void printDecoderDifferences(Path reference) throws IOException {
        for (Path photo : TorchReference.PHOTOS) {
            String name = photo.getFileName().toString();
            if (!name.endsWith(".jpg")) {
                continue;
            }
            BufferedImage decoded = ImagePreprocessor.decode(Files.readAllBytes(photo));
            byte[] pil = Files.readAllBytes(reference.resolve(name + ".rgb"));
            long differing = 0;
            long total = 0;
            int max = 0;
            for (int y = 0; y < decoded.getHeight(); y++) {
                for (int x = 0; x < decoded.getWidth(); x++) {
                    int p = decoded.getRGB(x, y);
                    int at = 3 * (y * decoded.getWidth() + x);
                    for (int c = 0; c < 3; c++) {
                        int delta = Math.abs(((p >> (16 - 8 * c)) & 0xff) - (pil[at + c] & 0xff));
                        differing += delta == 0 ? 0 : 1;
                        total += delta;
                        max = Math.max(max, delta);
                    }
                }
            }
            long samples = 3L * decoded.getWidth() * decoded.getHeight();
            System.out.printf(
                    Locale.ROOT,
                    "JPEG decoders on %s: %.1f %% of samples differ, mean |Δ| %.3f levels, max %d%n",
                    name,
                    100.0 * differing / samples,
                    (double) total / samples,
                    max);
        }
    }

    private float[] classify(String model, byte[] file) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(base() + "/classify?model=" + model + "&topK=1000"))
                        .header("Content-Type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(file))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        float[] probabilities = new float[1000];
        for (JsonNode p : JSON.readTree(response.body()).get("images").get(0).get("predictions")) {
            probabilities[p.get("classIndex").asInt()] =
                    (float) p.get("probability").asDouble();
        }
        return probabilities;
    }

    private float[] inferBytes(String model, byte[] file) throws Exception {
        byte[] tensor = ByteBuffer.allocate(4 + file.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(file.length)
                .put(file)
                .array();
        return infer(model, "image", "[1]", "BYTES", tensor);
    }

    private float[] inferPixels(String model, byte[] rgb, int height, int width) throws Exception {
        return infer(model, "pixels", "[1, " + height + ", " + width + ", 3]", "UINT8", rgb);
    }

    /** One binary input, the probabilities asked for in binary. */
    private float[] infer(String model, String input, String shape, String datatype, byte[] tensor) throws Exception {
        byte[] header = ("{\"inputs\": [{\"name\": \"" + input + "\", \"shape\": " + shape + ", \"datatype\": \""
                        + datatype + "\", \"parameters\": {\"binary_data_size\": " + tensor.length + "}}], "
                        + "\"parameters\": {\"binary_data_output\": true}}")
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(header);
        body.writeBytes(tensor);
        HttpResponse<byte[]> response = http.send(
                HttpRequest.newBuilder(URI.create(base() + "/v2/models/" + model + "/infer"))
                        .header("Inference-Header-Content-Length", Integer.toString(header.length))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode())
                .as(new String(response.body(), StandardCharsets.UTF_8))
                .isEqualTo(200);
        int jsonLength = Integer.parseInt(
                response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        float[] probabilities = new float[1000];
        ByteBuffer.wrap(response.body(), jsonLength, 4000)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(probabilities);
        return probabilities;
    }

    private static List<Integer> top(float[] probabilities, int k) {
        return IntStream.range(0, probabilities.length)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer c) -> probabilities[c])
                        .reversed())
                .limit(k)
                .toList();
    }

    private String base() {
        return "http://localhost:" + port;
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (http.send(
                                HttpRequest.newBuilder(URI.create(base() + "/v2/health/ready"))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                != 200) {
            assertThat(System.nanoTime()).as("ready within 3 min").isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
