package io.inceptionserve.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.NativeMemory;
import io.inceptionserve.repository.RepositoryFolders;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * New versions replace old ones under load, over real HTTP: 16 clients classify continuously while
 * each new version of a model (the bundled googlenet-bn with its labels renamed, so answers tell
 * the versions apart) is dropped into the repository and loaded, and the version before it is
 * retired. No request may fail, every request sent after a load has answered gets the new labels,
 * and native memory comes back to its level once the old versions are freed.
 *
 * <p>{@code -Dswaps=20} runs twenty swaps and checks native memory from the tenth to the twentieth;
 * the default of 6 keeps the suite's time on two cores (each swap loads, warms up and frees a model
 * beside the traffic) and only prints the memory, which is still growing the allocator's arenas
 * then.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "inception.default-model=" + ModelSwapTest.MODEL,
            "inception.model-control=explicit",
            "inception.inference.warmup-iterations=1",
            "inception.inference.queue-capacity=512"
        })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext
class ModelSwapTest {

    static final String MODEL = "swap";
    private static final int CLIENTS = 16;
    private static final int SWAPS = Integer.getInteger("swaps", 6);
    /** Below this many swaps the allocator's arenas are still growing and the memory check would judge them. */
    private static final int MEMORY_CHECK_SWAPS = 16;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path REPOSITORY;

    static {
        try {
            REPOSITORY = Files.createTempDirectory("model-repository");
            writeVersion(1);
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

    private static void writeVersion(long version) throws IOException {
        RepositoryFolders.writeVersion(REPOSITORY, MODEL, version, RepositoryFolders.GOOGLENET_BN);
    }

    @AfterAll
    void removeRepository() throws IOException {
        RepositoryFolders.delete(REPOSITORY);
    }

    /** One answered request: when it was sent, its status, and the label prefix of its top class. */
    private record Answer(long sentNanos, int status, String version, String body) {}

    @Test
    void versionsSwapUnderLoadWithoutAFailedRequest() throws Exception {
        registry.whenSettled().get(3, TimeUnit.MINUTES);
        byte[] image = Files.readAllBytes(Path.of("src/test/resources/images/trouser.png"));
        ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        // Native memory is compared with the traffic paused, so requests in flight do not count.
        Semaphore traffic = new Semaphore(CLIENTS, true);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            running.add(clients.submit(() -> {
                long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
                while (!stop.get() && System.nanoTime() < until) {
                    traffic.acquire();
                    try {
                        answers.add(classify(image));
                    } finally {
                        traffic.release();
                    }
                }
                return null;
            }));
        }
        List<Long> loadStarted = new ArrayList<>();
        List<Long> loadedAt = new ArrayList<>();
        List<Long> nativeAfterSwap = new ArrayList<>();
        try {
            for (long version = 2; version <= SWAPS + 1; version++) {
                loadStarted.add(System.nanoTime());
                writeVersion(version);
                HttpResponse<String> load = post("/v2/repository/models/" + MODEL + "/load", "{}");
                assertThat(load.statusCode()).as(load.body()).isEqualTo(200);
                loadedAt.add(System.nanoTime());
                awaitOnlyVersion(version);
                nativeAfterSwap.add(pausedNativeMemory(traffic));
                System.out.printf(
                        "swap %d: native memory outside the JVM %d MiB%n",
                        version - 1, nativeAfterSwap.get(nativeAfterSwap.size() - 1) >> 20);
            }
            // Traffic on the last version for a moment, so answers after the last swap exist.
            Thread.sleep(500);
        } finally {
            stop.set(true);
            for (Future<?> client : running) {
                client.get(1, TimeUnit.MINUTES);
            }
            clients.shutdown();
        }

        List<Answer> failed = answers.stream().filter(a -> a.status() != 200).toList();
        assertThat(failed).as("failed requests").isEmpty();
        for (int swap = 0; swap < loadedAt.size(); swap++) {
            long from = loadedAt.get(swap);
            long to = swap + 1 < loadStarted.size() ? loadStarted.get(swap + 1) : Long.MAX_VALUE;
            String expected = "v" + (swap + 2);
            List<String> seen = answers.stream()
                    .filter(a -> a.sentNanos() > from && a.sentNanos() < to)
                    .map(Answer::version)
                    .distinct()
                    .toList();
            assertThat(seen).as("versions answering after swap " + (swap + 1)).isSubsetOf(expected);
        }
        assertThat(answers.stream()
                        .filter(a -> a.sentNanos() > loadedAt.get(loadedAt.size() - 1))
                        .map(Answer::version)
                        .distinct())
                .as("versions answering after the last swap")
                .containsExactly("v" + (SWAPS + 1));
        // The first swaps grow the allocator's arenas (one per new loading and batching thread, up
        // to its limit), then the level holds: compared from half way, a version leaked per swap
        // (~40 MiB of this model each) would grow it by far more than this.
        long halfway = nativeAfterSwap.get(nativeAfterSwap.size() / 2);
        long last = nativeAfterSwap.get(nativeAfterSwap.size() - 1);
        System.out.printf(
                "%d answers, none failed; native memory outside the JVM after swap %d %d MiB, after the last (%d)"
                        + " %d MiB%n",
                answers.size(), nativeAfterSwap.size() / 2 + 1, halfway >> 20, SWAPS, last >> 20);
        if (SWAPS >= MEMORY_CHECK_SWAPS) {
            assertThat(last - halfway).as("native memory growth over the swaps").isLessThan(64L << 20);
        }
    }

    /** Native memory outside the JVM once the requests in flight are answered, new ones held back meanwhile. */
    private static long pausedNativeMemory(Semaphore traffic) throws Exception {
        traffic.acquire(CLIENTS);
        try {
            System.gc();
            Thread.sleep(200);
            return NativeMemory.residentOutsideJvmBytes();
        } finally {
            traffic.release(CLIENTS);
        }
    }

    private Answer classify(byte[] image) {
        long sent = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/classify?model=" + MODEL))
                            .header("Content-Type", "image/png")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(image))
                            .build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() != 200) {
                return new Answer(sent, response.statusCode(), null, response.body());
            }
            JsonNode top = JSON.readTree(response.body())
                    .get("images")
                    .get(0)
                    .get("predictions")
                    .get(0);
            String label = top.get("label").asString();
            return new Answer(sent, 200, label.substring(0, label.indexOf('-')), null);
        } catch (IOException e) {
            return new Answer(sent, -1, null, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(sent, -1, null, e.toString());
        }
    }

    /** Waits for every older version to have answered its last image and been freed. */
    private void awaitOnlyVersion(long version) throws InterruptedException {
        RepositoryFolders.awaitOnlyVersion(registry, MODEL, version);
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                        .timeout(Duration.ofMinutes(2))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
