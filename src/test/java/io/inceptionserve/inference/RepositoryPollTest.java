package io.inceptionserve.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.repository.RepositoryFolders;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code inception.model-control=poll}: a version folder dropped into the repository serves within
 * the poll interval and its warm-up, and when it is removed the version before it serves again and
 * the removed one is retired. Explicit loads are refused meanwhile; the index answers.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "inception.default-model=" + RepositoryPollTest.MODEL,
            "inception.model-control=poll",
            "inception.model-repository-poll=200ms",
            "inception.inference.warmup-iterations=0"
        })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext
class RepositoryPollTest {

    static final String MODEL = "polled";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path REPOSITORY;

    static {
        try {
            REPOSITORY = Files.createTempDirectory("model-repository");
            RepositoryFolders.writeVersion(REPOSITORY, MODEL, 1, RepositoryFolders.GOOGLENET_BN);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry properties) {
        properties.add("inception.model-repository", REPOSITORY::toString);
    }

    @Value("${local.server.port}")
    int port;

    @Autowired
    ModelRegistry registry;

    private final HttpClient http = HttpClient.newHttpClient();

    @AfterAll
    void removeRepository() throws IOException {
        RepositoryFolders.delete(REPOSITORY);
    }

    @Test
    void versionsFollowTheFolder() throws Exception {
        registry.whenSettled().get(3, TimeUnit.MINUTES);
        assertThat(topLabel()).startsWith("v1-");

        // Written beside the repository and moved in whole, as a deployment should drop a version.
        Path staging = Files.createTempDirectory("staging");
        Files.move(
                RepositoryFolders.writeVersion(staging, MODEL, 2, RepositoryFolders.GOOGLENET_BN),
                REPOSITORY.resolve(MODEL).resolve("2"));
        RepositoryFolders.delete(staging);
        long dropped = System.nanoTime();
        awaitOnlyVersion(2);
        System.out.printf(
                "version 2 served alone %d ms after its folder appeared%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - dropped));
        assertThat(topLabel()).startsWith("v2-");
        JsonNode listed = JSON.readTree(send("GET", "/models/" + MODEL).body());
        assertThat(listed.get("versions")).hasSize(1);
        assertThat(listed.get("versions").get(0).get("version").asLong()).isEqualTo(2);
        assertThat(listed.get("versions").get(0).get("status").asString()).isEqualTo("READY");

        HttpResponse<String> load = send("POST", "/v2/repository/models/" + MODEL + "/load");
        assertThat(load.statusCode()).isEqualTo(400);
        assertThat(load.body()).contains("not allowed while the repository is polled");
        HttpResponse<String> index = send("POST", "/v2/repository/index");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(index.body()).get(0).get("version").asString()).isEqualTo("2");

        RepositoryFolders.delete(REPOSITORY.resolve(MODEL).resolve("2"));
        awaitOnlyVersion(1);
        assertThat(topLabel()).startsWith("v1-");
    }

    private String topLabel() throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/classify?model=" + MODEL))
                        .header("Content-Type", "image/png")
                        .POST(HttpRequest.BodyPublishers.ofFile(Path.of("src/test/resources/images/trouser.png")))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body())
                .get("images")
                .get(0)
                .get("predictions")
                .get(0)
                .get("label")
                .asString();
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Within a poll, the load and warm-up, and the old version's last queued image. */
    private void awaitOnlyVersion(long version) throws InterruptedException {
        RepositoryFolders.awaitOnlyVersion(registry, MODEL, version);
    }
}
