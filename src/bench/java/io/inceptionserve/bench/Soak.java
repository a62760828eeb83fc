package io.inceptionserve.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Overload soak: measures the service's saturating throughput with a closed loop, then sends
 * requests at a multiple of it at a fixed rate (open loop, as independent users do) for minutes,
 * and reports per minute what was answered how, the latency of the accepted requests, the heap
 * after collections and the process's resident memory.
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Holds inception-serve at a multiple of its saturating load and reports answers, latency "
                + "and memory per minute.")
public final class Soak implements Callable<Integer> {

    @Option(names = "--project-dir", defaultValue = ".", description = "the project (holds target/)")
    Path projectDir;

    @Option(names = "--model", defaultValue = "googlenet-bn", description = "bundled model to load")
    String model;

    @Option(names = "--minutes", defaultValue = "5", description = "length of the overload phase")
    int minutes;

    @Option(names = "--load-factor", defaultValue = "2", description = "offered load ÷ saturating throughput")
    double loadFactor;

    @Option(names = "--image-size", defaultValue = "224", description = "side of the JPEGs sent")
    int imageSize;

    @Option(
            names = "--fashion-mnist",
            defaultValue = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
            description = "IDX file the JPEGs are rendered from")
    Path fashionMnist;

    @Option(
            names = "--hostile",
            defaultValue = "0",
            description = "connections stalling mid-body during the overload, plus one client sending the"
                    + " heaviest allowed request in a loop and one sending requests and disconnecting (0: none)")
    int hostile;

    @Option(
            names = "--heap-mb",
            defaultValue = "0",
            description = "run the service with this heap and the container image's other memory caps"
                    + " (docker/Dockerfile); 0: the JVM's defaults")
    int heapMb;

    @Option(names = "--service-arg", description = "extra argument for inception-serve")
    List<String> serviceArgs = new ArrayList<>();

    private static final Duration SATURATION_WINDOW = Duration.ofSeconds(30);
    /** Deep enough that the queue stays full and batches stay at their maximum. */
    private static final int SATURATION_CONCURRENCY = 64;
    /** JIT compilation and the allocators' growth: measured earlier, the throughput was a third low. */
    private static final Duration SATURATION_WARMUP = Duration.ofSeconds(30);

    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(10);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);
    /** Beyond this many unanswered requests the client stops offering more: it, not the server, would be measured. */
    private static final int MAX_OUTSTANDING = 4_000;

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    public static void main(String[] args) {
        System.exit(new CommandLine(new Soak()).execute(args));
    }

    /** How one request ended, as the client saw it. */
    enum Answer {
        /** 200 with a classification. */
        CLASSIFIED,
        /** 503 at admission: the queue was full, so the request was never accepted. */
        REFUSED,
        /** 503 after waiting past the request deadline: accepted, answered, not computed. */
        EXPIRED,
        /** Any other status: an accepted request that failed. */
        FAILED,
        /** No HTTP answer at all (connection error or timeout): a lost request. */
        LOST
    }

    record Sample(long sentAt, long answeredAt, Answer answer) {}

    /** Memory and queue figures read from the service at one moment. */
    record Probe(long at, double heapBytes, double residentBytes, double queued, double inFlight) {}

    @Override
    public Integer call() throws Exception {
        Path root = projectDir.toAbsolutePath().normalize();
        Path work = root.resolve("target/soak");
        Path jar = root.resolve("target/inception-serve.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it with ./mvnw -DskipTests package");
        }
        List<byte[]> images = BenchJpegs.write(fashionMnist, 64, imageSize, List.of(), work.resolve("images"));
        int port = ServerProcess.freeLoopbackPort();
        int managementPort = ServerProcess.freeLoopbackPort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString(),
                "--server.address=127.0.0.1",
                "--server.port=" + port,
                "--management.server.address=127.0.0.1",
                "--management.server.port=" + managementPort,
                "--inception.default-model=" + model));
        command.addAll(serviceArgs);
        try (ServerProcess service =
                ServerProcess.start("inception-serve", command, environment(), port, work.resolve("service.log"))) {
            service.awaitReady(client, "/models/" + model, body -> body.contains("\"READY\""), Duration.ofMinutes(5));
            URI classify = service.uri("/classify?model=" + model + "&topK=1");
            URI metrics = URI.create("http://127.0.0.1:" + managementPort + "/actuator/prometheus");

            ClosedLoopLoad.Outcome saturation = new ClosedLoopLoad(
                            SATURATION_WARMUP, SATURATION_WINDOW, Integer.MAX_VALUE)
                    .run(classify, images, SATURATION_CONCURRENCY);
            double saturated = saturation.samples().stream()
                            .filter(ClosedLoopLoad.Sample::ok)
                            .count()
                    / (saturation.windowNanos() / 1e9);
            double offered = loadFactor * saturated;
            System.out.printf(
                    "saturating throughput %.1f req/s at concurrency %d; offering %.1f req/s for %d min%n",
                    saturated, SATURATION_CONCURRENCY, offered, minutes);

            Overload overload = new Overload(classify, metrics, service.pid(), images, offered);
            HostileMix mix = new HostileMix("127.0.0.1", port, "/classify?model=" + model + "&topK=1");
            if (hostile > 0) {
                mix.start(hostile, images.get(0));
            }
            overload.run(Duration.ofMinutes(minutes));
            report(saturated, offered, overload);
            if (hostile > 0) {
                System.out.println(mix.stop());
            }
            return overload.count(Answer.LOST) + overload.count(Answer.FAILED) == 0 ? 0 : 1;
        }
    }

    /** The service's environment; with a heap size, the memory caps of the container image. */
    private Map<String, String> environment() {
        Map<String, String> environment =
                new java.util.HashMap<>(Map.of("DJL_OFFLINE", "true", "OMP_WAIT_POLICY", "PASSIVE"));
        if (heapMb > 0) {
            environment.put("MALLOC_ARENA_MAX", "2");
            environment.put(
                    "JAVA_TOOL_OPTIONS",
                    "-XX:MaxDirectMemorySize=192m -XX:MaxMetaspaceSize=192m -XX:ReservedCodeCacheSize=128m -Xss512k");
            environment.put("JDK_JAVA_OPTIONS", "-Xmx" + heapMb + "m -XX:+ExitOnOutOfMemoryError");
        }
        return environment;
    }

    /** The open-loop phase and everything it observed. */
    private final class Overload {
        private final URI classify;
        private final URI metrics;
        private final long pid;
        private final List<byte[]> images;
        private final long periodNanos;
        private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        private final List<Probe> probes = new ArrayList<>();
        private final AtomicInteger outstanding = new AtomicInteger();
        /** Requests without an HTTP answer, by the client's error. */
        private final Map<String, AtomicInteger> lostBy = new ConcurrentHashMap<>();

        private int notOffered;
        private long startedAt;

        Overload(URI classify, URI metrics, long pid, List<byte[]> images, double requestsPerSecond) {
            this.classify = classify;
            this.metrics = metrics;
            this.pid = pid;
            this.images = images;
            this.periodNanos = (long) (1e9 / requestsPerSecond);
        }

        void run(Duration length) throws InterruptedException {
            startedAt = System.nanoTime();
            long end = startedAt + length.toNanos();
            long nextProbe = startedAt;
            long next = startedAt;
            for (int i = 0; next < end; i++, next += periodNanos) {
                TimeUnit.NANOSECONDS.sleep(next - System.nanoTime());
                if (System.nanoTime() >= nextProbe) {
                    probes.add(probe());
                    nextProbe += SAMPLE_EVERY.toNanos();
                    printProgress();
                }
                if (outstanding.get() >= MAX_OUTSTANDING) {
                    notOffered++;
                    continue;
                }
                send(images.get(i % images.size()));
            }
            long drainEnd = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
            while (outstanding.get() > 0 && System.nanoTime() < drainEnd) {
                TimeUnit.MILLISECONDS.sleep(100);
            }
            probes.add(probe());
        }

        private void send(byte[] jpeg) {
            long sentAt = System.nanoTime();
            outstanding.incrementAndGet();
            HttpRequest request = HttpRequest.newBuilder(classify)
                    .header("Content-Type", "image/jpeg")
                    .timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(jpeg))
                    .build();
            client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
                if (error != null) {
                    Throwable cause = error.getCause() != null ? error.getCause() : error;
                    String kind = cause.getClass().getSimpleName() + ": " + cause.getMessage();
                    lostBy.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
                }
                samples.add(new Sample(sentAt, System.nanoTime(), error != null ? Answer.LOST : classify(response)));
                outstanding.decrementAndGet();
            });
        }

        private static Answer classify(HttpResponse<String> response) {
            return switch (response.statusCode()) {
                case 200 -> Answer.CLASSIFIED;
                case 503 ->
                    response.body().contains("queue is full")
                            ? Answer.REFUSED
                            : response.body().contains("deadline") ? Answer.EXPIRED : Answer.FAILED;
                default -> Answer.FAILED;
            };
        }

        private Probe probe() {
            String modelTag = "model=\"" + model + "\"";
            double heap = 0;
            double queued = Double.NaN;
            double inFlight = Double.NaN;
            try {
                String text = client.send(
                                HttpRequest.newBuilder(metrics)
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                for (String line : text.split("\n")) {
                    if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                        heap += value(line);
                    } else if (line.startsWith("inception_queue_size{") && line.contains(modelTag)) {
                        queued = value(line);
                    } else if (line.startsWith("inception_requests_inflight{") && line.contains(modelTag)) {
                        inFlight = value(line);
                    }
                }
            } catch (IOException e) {
                heap = Double.NaN;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Probe(System.nanoTime(), heap, residentBytes(pid), queued, inFlight);
        }

        private void printProgress() {
            Probe last = probes.get(probes.size() - 1);
            System.out.printf(
                    "%4.0f s: %6d sent, %5d outstanding, %4.0f requests in the service, %4.0f images queued, "
                            + "heap %6.1f MB, RSS %6.1f MB%n",
                    (last.at() - startedAt) / 1e9,
                    samples.size() + outstanding.get(),
                    outstanding.get(),
                    last.inFlight(),
                    last.queued(),
                    last.heapBytes() / 1e6,
                    last.residentBytes() / 1e6);
        }

        int count(Answer answer) {
            return Soak.count(List.copyOf(samples), answer);
        }
    }

    private static double value(String prometheusLine) {
        return Double.parseDouble(prometheusLine.substring(prometheusLine.lastIndexOf(' ') + 1));
    }

    /** The service's resident set (VmRSS), native tensors included, which the heap figure misses. */
    private static double residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Double.parseDouble(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException gone) {
            // The process has exited; reported as unknown.
        }
        return Double.NaN;
    }

    private void report(double saturated, double offered, Overload overload) {
        System.out.println();
        System.out.printf(
                "## Soak: %s, %d min at %.1f× the saturating load (%.1f req/s offered, %.1f req/s saturating)%n%n",
                model, minutes, loadFactor, offered, saturated);
        System.out.println(
                "| minute | sent | classified | refused (503 queue full) | expired (503 deadline) | failed | lost "
                        + "| accepted p50 / p99 / max ms | heap low MB | RSS MB |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        List<Sample> all = new ArrayList<>(overload.samples);
        for (int minute = 0; minute < minutes; minute++) {
            long from = overload.startedAt + TimeUnit.MINUTES.toNanos(minute);
            long to = from + TimeUnit.MINUTES.toNanos(1);
            List<Sample> sent = all.stream()
                    .filter(s -> s.sentAt() >= from && s.sentAt() < to)
                    .toList();
            double[] accepted = sent.stream()
                    .filter(s -> s.answer() == Answer.CLASSIFIED || s.answer() == Answer.EXPIRED)
                    .mapToDouble(s -> (s.answeredAt() - s.sentAt()) / 1e6)
                    .sorted()
                    .toArray();
            List<Probe> probes = overload.probes.stream()
                    .filter(p -> p.at() >= from && p.at() < to)
                    .toList();
            System.out.printf(
                    "| %d | %d | %d | %d | %d | %d | %d | %s | %.0f | %.0f |%n",
                    minute + 1,
                    sent.size(),
                    count(sent, Answer.CLASSIFIED),
                    count(sent, Answer.REFUSED),
                    count(sent, Answer.EXPIRED),
                    count(sent, Answer.FAILED),
                    count(sent, Answer.LOST),
                    latencies(accepted),
                    probes.stream().mapToDouble(Probe::heapBytes).min().orElse(Double.NaN) / 1e6,
                    probes.stream().mapToDouble(Probe::residentBytes).max().orElse(Double.NaN) / 1e6);
        }
        int acceptedTotal = overload.count(Answer.CLASSIFIED)
                + overload.count(Answer.EXPIRED)
                + overload.count(Answer.FAILED)
                + overload.count(Answer.LOST);
        double served = overload.count(Answer.CLASSIFIED) / (minutes * 60.0);
        System.out.printf(
                "%nclassified under overload: %.1f req/s, so the offered load was %.2f× what the service " + "served%n",
                served, offered / served);
        System.out.printf(
                "accepted requests: %d; answered: %d; lost or failed: %d; not offered (client cap): %d%n",
                acceptedTotal,
                overload.count(Answer.CLASSIFIED) + overload.count(Answer.EXPIRED),
                overload.count(Answer.FAILED) + overload.count(Answer.LOST),
                overload.notOffered);
        if (!overload.lostBy.isEmpty()) {
            System.out.println("without an HTTP answer, by the client's error: " + new TreeMap<>(overload.lostBy));
        }
    }

    private static int count(List<Sample> samples, Answer answer) {
        return (int) samples.stream().filter(s -> s.answer() == answer).count();
    }

    private static String latencies(double[] sortedMillis) {
        if (sortedMillis.length == 0) {
            return "–";
        }
        return String.format(
                "%.0f / %.0f / %.0f",
                percentile(sortedMillis, 0.50), percentile(sortedMillis, 0.99), sortedMillis[sortedMillis.length - 1]);
    }

    private static double percentile(double[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
}
