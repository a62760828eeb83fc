package io.inceptionserve.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.MediaType;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service as a fresh clone starts it, with its bundled trained models, classifies real
 * Fashion-MNIST test images (the first 500, from the committed {@link FashionMnistSample}) sent as
 * PNG files over HTTP.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BundledModelsAccuracyTest {

    private static final int IMAGES = 500;
    private static final int PER_REQUEST = 25;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static FashionMnist.Idx testSet;
    private static List<byte[]> pngs;

    @Value("${local.server.port}")
    int port;

    @BeforeAll
    static void encodeTestImages() {
        testSet = FashionMnist.readIdx(FashionMnistSample.DIR, "t10k", IMAGES);
        pngs = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            pngs.add(png(i));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"googlenet", "googlenet-bn", "inception-v2"})
    void classifiesFashionMnistTestImagesOverHttp(String model) throws Exception {
        RestClient http = RestClient.create("http://localhost:" + port);
        awaitReady(http, model);
        int correct = 0;
        for (int first = 0; first < IMAGES; first += PER_REQUEST) {
            MultiValueMap<String, Object> body = new LinkedMultiValueMap<>();
            for (int i = first; i < first + PER_REQUEST; i++) {
                String name = "t10k-" + i + ".png";
                body.add("image", new ByteArrayResource(pngs.get(i)) {
                    @Override
                    public String getFilename() {
                        return name;
                    }
                });
            }
            JsonNode answer = JSON.readTree(http.post()
                    .uri("/classify?model={model}&topK=1", model)
                    .contentType(MediaType.MULTIPART_FORM_DATA)
                    .body(body)
                    .retrieve()
                    .body(String.class));
            assertThat(answer.get("trained").asBoolean())
                    .as("%s ships trained weights", model)
                    .isTrue();
            JsonNode images = answer.get("images");
            for (int i = 0; i < PER_REQUEST; i++) {
                int predicted = images.get(i)
                        .get("predictions")
                        .get(0)
                        .get("classIndex")
                        .asInt();
                if (predicted == testSet.labels()[first + i]) {
                    correct++;
                }
            }
        }
        double accuracy = (double) correct / IMAGES;
        System.out.printf(
                "%s: %d of %d Fashion-MNIST test images right over HTTP (%.1f %%)%n",
                model, correct, IMAGES, 100 * accuracy);
        assertThat(accuracy).as("%s top-1 on %d test images", model, IMAGES).isGreaterThanOrEqualTo(0.90);
    }

    private static byte[] png(int index) {
        try {
            var out = new ByteArrayOutputStream();
            ImageIO.write(testSet.image(index), "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitReady(RestClient http, String model) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        String status;
        while (!(status = JSON.readTree(http.get()
                                .uri("/models/{model}", model)
                                .retrieve()
                                .body(String.class))
                        .get("status")
                        .asString())
                .equals("READY")) {
            assertThat(status).as("%s status", model).isNotEqualTo("FAILED");
            assertThat(System.nanoTime()).as("%s ready within 4 minutes", model).isLessThan(deadline);
            Thread.sleep(500);
        }
    }
}
