package io.inceptionserve.oip;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.api.RawHttp;
import io.inceptionserve.inference.ModelRegistry;
import io.inceptionserve.repository.RepositoryFolders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The repository calls of Triton's Python client ({@code tritonclient.http}), sent byte for byte as
 * it writes them on the socket, and its answers read as it reads them: {@code
 * get_model_repository_index()} posts an empty body and parses a JSON list; {@code load_model(m)}
 * posts {@code json.dumps({})}; {@code unload_model(m)} posts its {@code unload_dependents}
 * parameter; {@code is_model_ready(m, v)} is a GET whose status alone is the answer. Its HTTP
 * library (geventhttpclient) sends its User-Agent, then Host; older releases send no
 * Content-Length for an empty body, newer ones {@code Content-Length: 0}; rapidjson writes JSON
 * without spaces.
 *
 * <p>The same context has a native-memory budget that holds three versions of googlenet-bn but not
 * two of them and inception-v2, so loading inception-v2 as a second version of a model is refused
 * while its first version keeps serving.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "inception.default-model=fashion",
            "inception.model-control=explicit",
            "inception.inference.warmup-iterations=0"
        })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext
class TritonRepositoryClientTest {

    private static final String USER_AGENT = "User-Agent: python/gevent-http-client-2.3.3\r\n";
    private static final Path REPOSITORY;

    static {
        try {
            REPOSITORY = Files.createTempDirectory("model-repository");
            RepositoryFolders.writeVersion(REPOSITORY, "fashion", 1, RepositoryFolders.GOOGLENET_BN);
            RepositoryFolders.writeVersion(REPOSITORY, "wide", 1, RepositoryFolders.GOOGLENET_BN);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry properties) throws IOException {
        long googlenet = estimate(RepositoryFolders.GOOGLENET_BN);
        long inception = estimate(RepositoryFolders.INCEPTION_V2);
        properties.add("inception.model-repository", REPOSITORY::toString);
        // Three googlenet-bn versions fit; two and an inception-v2 do not.
        properties.add("inception.model-memory-budget", () -> (3 * googlenet + (inception - googlenet) / 2) + "B");
    }

    private static long estimate(Path bundled) throws IOException {
        return Files.size(bundled.resolve("weights.ndlist"))
                * io.inceptionserve.config.InceptionProperties.WEIGHTS_MEMORY_FACTOR;
    }

    @Value("${local.server.port}")
    int port;

    @Autowired
    ModelRegistry registry;

    @BeforeAll
    void awaitModels() throws Exception {
        registry.whenSettled().get(3, TimeUnit.MINUTES);
    }

    @AfterAll
    void removeRepository() throws IOException {
        RepositoryFolders.delete(REPOSITORY);
    }

    @Test
    void theClientManagesTheRepositoryThroughItsOwnCalls() throws Exception {
        // get_model_repository_index(), by an older and a newer geventhttpclient.
        for (String contentLength : List.of("", "Content-Length: 0\r\n")) {
            RawHttp.Answer index =
                    send("POST /v2/repository/index HTTP/1.1\r\n" + USER_AGENT + host() + contentLength + "\r\n");
            assertThat(index.status()).as(index.body()).isEqualTo(200);
            JsonNode entries = OipClient.JSON.readTree(index.body());
            assertThat(entries.isArray()).isTrue();
            assertThat(entry(entries, "fashion", "1").get("state").asString()).isEqualTo("READY");
            for (JsonNode entry : entries) {
                assertThat(entry.has("name")).isTrue();
            }
        }

        // load_model("fashion") with a new version in the repository.
        RepositoryFolders.writeVersion(REPOSITORY, "fashion", 2, RepositoryFolders.GOOGLENET_BN);
        RawHttp.Answer load = post("/v2/repository/models/fashion/load", "{}");
        assertThat(load.status()).as(load.body()).isEqualTo(200);
        assertThat(isModelReady("fashion", "2")).isEqualTo(200);
        awaitOnlyVersion("fashion", 2);
        assertThat(isModelReady("fashion", "1")).isNotEqualTo(200);
        assertThat(isModelReady("fashion", "")).isEqualTo(200);

        // unload_model("fashion"), then load_model("fashion") again.
        RawHttp.Answer unload =
                post("/v2/repository/models/fashion/unload", "{\"parameters\":{\"unload_dependents\":false}}");
        assertThat(unload.status()).as(unload.body()).isEqualTo(200);
        assertThat(isModelReady("fashion", "")).isNotEqualTo(200);
        JsonNode index =
                OipClient.JSON.readTree(send("POST /v2/repository/index HTTP/1.1\r\n" + USER_AGENT + host() + "\r\n")
                        .body());
        assertThat(entry(index, "fashion", null).path("state").asString("")).isIn("", "UNLOADING", "UNAVAILABLE");
        assertThat(post("/v2/repository/models/fashion/load", "{}").status()).isEqualTo(200);
        assertThat(isModelReady("fashion", "2")).isEqualTo(200);

        // The client raises the {"error"} of a failed call.
        RawHttp.Answer unknown = post("/v2/repository/models/nosuch/load", "{}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(OipClient.JSON.readTree(unknown.body()).get("error").asString())
                .contains("failed to load 'nosuch'", "has no model 'nosuch'");
    }

    @Test
    void aVersionPastTheMemoryBudgetIsRefusedAndTheServingOneStays() throws Exception {
        // Whichever test ran first, fashion and wide each serve one googlenet-bn version now.
        awaitOnlyVersion("fashion", registry.models().require("fashion").version());
        awaitOnlyVersion("wide", 1);
        RepositoryFolders.writeVersion(REPOSITORY, "wide", 2, RepositoryFolders.INCEPTION_V2);

        RawHttp.Answer load = post("/v2/repository/models/wide/load", "{}");

        assertThat(load.status()).isEqualTo(400);
        String error = OipClient.JSON.readTree(load.body()).get("error").asString();
        assertThat(error).contains("failed to load 'wide': version 2: loading it would take an estimated");
        assertThat(error).contains("inception.model-memory-budget allows");
        assertThat(isModelReady("wide", "1")).isEqualTo(200);
        assertThat(isModelReady("wide", "2")).isNotEqualTo(200);
        assertThat(isModelReady("wide", "")).isEqualTo(200);

        JsonNode wide = OipClient.JSON.readTree(get("/models/wide").body());
        assertThat(wide.get("version").asLong()).isEqualTo(1);
        assertThat(wide.get("status").asString()).isEqualTo("READY");
        JsonNode versions = wide.get("versions");
        assertThat(versions).hasSize(2);
        assertThat(versions.get(0).get("status").asString()).isEqualTo("READY");
        assertThat(versions.get(1).get("version").asLong()).isEqualTo(2);
        assertThat(versions.get(1).get("status").asString()).isEqualTo("FAILED");
        assertThat(versions.get(1).get("failure").asString()).contains("inception.model-memory-budget");

        JsonNode index =
                OipClient.JSON.readTree(post("/v2/repository/index", "").body());
        assertThat(entry(index, "wide", "2").get("state").asString()).isEqualTo("UNAVAILABLE");
        assertThat(entry(index, "wide", "2").get("reason").asString()).contains("inception.model-memory-budget");
    }

    /** The index's line for that model and version ({@code null}: its first line). */
    private static JsonNode entry(JsonNode index, String model, String version) {
        for (JsonNode entry : index) {
            if (entry.get("name").asString().equals(model)
                    && (version == null || version.equals(entry.path("version").asString(null)))) {
                return entry;
            }
        }
        throw new AssertionError("no line for " + model + " version " + version + " in " + index);
    }

    /** is_model_ready(model, version): the status is the answer (200 ready). */
    private int isModelReady(String model, String version) throws IOException {
        String path = version.isEmpty()
                ? "/v2/models/" + model + "/ready"
                : "/v2/models/" + model + "/versions/" + version + "/ready";
        return get(path).status();
    }

    private RawHttp.Answer get(String path) throws IOException {
        return send("GET " + path + " HTTP/1.1\r\n" + USER_AGENT + host() + "\r\n");
    }

    private RawHttp.Answer post(String path, String body) throws IOException {
        return send("POST " + path + " HTTP/1.1\r\n" + USER_AGENT + host() + "Content-Length: " + body.length()
                + "\r\n\r\n" + body);
    }

    private RawHttp.Answer send(String request) throws IOException {
        return RawHttp.send(port, request);
    }

    private String host() {
        return "Host: localhost:" + port + "\r\n";
    }

    private void awaitOnlyVersion(String model, long version) throws InterruptedException {
        RepositoryFolders.awaitOnlyVersion(registry, model, version);
    }
}
