package io.inceptionserve.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.translate.TranslateException;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.model.OfflineEngine;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Throughput and latency of inception-serve over HTTP, side by side in one run with the engine's
 * ceiling (the fastest forward pass in process, on the same DJL PyTorch engine, of the served block
 * and of the TorchScript of the same architecture written in PyTorch) and with a FastAPI +
 * torchvision service running that PyTorch network, under the same closed-loop load of real JPEGs.
 *
 * <p>It starts both servers itself on free loopback ports, stops them when it ends (also on
 * failure or Ctrl-C), prints a table and writes {@code docs/benchmarks.md} with a plot. Run it
 * with {@code ./mvnw -Pbench -DskipTests verify}; see docs/benchmarks.md.
 */
@Command(
        name = "http-load-benchmark",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Benchmarks inception-serve against the engine ceiling and a Python service.")
public final class HttpLoadBenchmark implements Callable<Integer> {

    static final String SERVICE = "inception-serve";
    static final String PYTHON = "FastAPI + torchvision";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration SERVER_WARMUP = Duration.ofSeconds(20);
    private static final int SERVER_WARMUP_CLIENTS = 4;
    private static final long LAUNCHED = System.nanoTime();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final String CEILING = "engine ceiling";
    private static final String TORCHSCRIPT = "TorchScript";
    private static final String OWN = "own block";
    /** No __pycache__ in the source tree. */
    private static final Map<String, String> PYTHON_ENVIRONMENT = Map.of("PYTHONDONTWRITEBYTECODE", "1");

    @Option(names = "--project-dir", defaultValue = ".", description = "the project (holds target/ and src/bench/)")
    Path projectDir;

    @Option(
            names = "--models",
            split = ",",
            defaultValue = "googlenet,inception-v2",
            description = "served model names with a reference network (default: ${DEFAULT-VALUE})")
    List<String> models;

    @Option(
            names = "--concurrency",
            split = ",",
            defaultValue = "1,4,16,64",
            description = "clients sending at once, one step each (default: ${DEFAULT-VALUE})")
    List<Integer> concurrency;

    @Option(
            names = "--warmup-seconds",
            defaultValue = "3",
            description = "minimum warm-up per step; it also lasts until every client had an answer")
    int warmupSeconds;

    @Option(names = "--window-seconds", defaultValue = "10", description = "measurement window per step")
    int windowSeconds;

    @Option(names = "--max-requests", defaultValue = "3000", description = "answers counted per step at most")
    int maxRequests;

    @Option(
            names = "--engine-rounds",
            defaultValue = "3",
            description = "in-process timing rounds, each visiting every network in turn")
    int engineRounds;

    @Option(
            names = "--engine-round-millis",
            defaultValue = "1000",
            description = "minimum timing per network and batch size in each round")
    int engineRoundMillis;

    @Option(
            names = "--batch-sizes",
            split = ",",
            defaultValue = "1,8,32",
            description = "in-process forward batch sizes (default: ${DEFAULT-VALUE})")
    int[] batchSizes;

    @Option(names = "--images", defaultValue = "32", description = "Fashion-MNIST images rendered per input size")
    int imageCount;

    @Option(
            names = "--fashion-mnist",
            defaultValue = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
            description = "Fashion-MNIST IDX images (Debian package dataset-fashion-mnist)")
    Path fashionMnist;

    @Option(
            names = "--python",
            defaultValue = "/usr/bin/python3",
            description = "a Python with Debian's python3-torchvision, -fastapi, -uvicorn, -pil")
    String python;

    @Option(
            names = "--python-bfloat16",
            description = "run the Python peer as a careful user on a CPU with bfloat16 would: "
                    + "torch.autocast(\"cpu\", bfloat16), channels-last, torch.inference_mode()")
    boolean pythonBfloat16;

    @Option(
            names = "--service-arg",
            description = "extra argument for inception-serve, e.g. "
                    + "--inception.inference.cpu.max-batch-size=16 (repeatable)")
    List<String> serviceArgs = new ArrayList<>();

    @Option(
            names = "--sweep",
            description = "instead of the comparison, run inception-serve alone under each "
                    + "batching, worker and threading setting of KnobSweep, side by side, and report them")
    boolean sweep;

    @Option(
            names = "--report",
            defaultValue = "docs/benchmarks.md",
            description =
                    "Markdown report to update (its generated section), relative to the project; " + "'-' for none")
    String report;

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private Path root;
    private Path work;
    private References references;

    public static void main(String[] args) {
        System.exit(new CommandLine(new HttpLoadBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Instant started = Instant.now();
        root = projectDir.toAbsolutePath().normalize();
        work = root.resolve("target/bench");
        Path jar = root.resolve("target/inception-serve.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it with ./mvnw -DskipTests package");
        }
        RunInfo.Machine machine = RunInfo.Machine.describe();
        prepareReferences();
        Map<String, Path> modelDirectories = writeModelDirectories();
        Map<String, List<byte[]>> jpegs = writeJpegs();
        HttpBenchmarkReport.Target reportTarget = "-".equals(report)
                ? null
                : new HttpBenchmarkReport.Target(
                        root.resolve(report), root.resolve(report).getParent());
        if (sweep) {
            KnobSweep knobSweep = new KnobSweep(this, jar, modelDirectories, jpegs);
            List<KnobSweep.Result> results = knobSweep.run();
            HttpBenchmarkReport.printSweep(results);
            if (reportTarget != null) {
                HttpBenchmarkReport.writeSweep(
                        reportTarget,
                        knobSweep.model(),
                        results,
                        new RunInfo(commandLine(), started, Instant.now(), machine, versions()));
            }
            return 0;
        }
        Comparison comparison = compare(jar, modelDirectories, jpegs);
        RunInfo run = new RunInfo(commandLine(), started, Instant.now(), machine, versions());
        HttpBenchmarkReport.print(comparison);
        if (reportTarget != null) {
            HttpBenchmarkReport.write(reportTarget, comparison, run);
        }
        return 0;
    }

    /**
     * Everything one comparison run measured.
     *
     * @param engine per model: the in-process forward passes, timed before the load steps
     * @param steps every load step, in the order run
     * @param ceilingSteps the ceiling timed again between the load steps of each concurrency level
     */
    record Comparison(Map<String, EngineFigures> engine, List<StepResult> steps, List<CeilingStep> ceilingSteps) {}

    /**
     * In-process figures of one model.
     *
     * @param pythonNetwork the builder in networks.py whose trace is this model's TorchScript
     * @param torchScript its forward passes per batch size
     * @param own this project's block of the served architecture, in the form the service runs
     * @param decodeMs median time to decode and prepare one of the benchmark's JPEGs
     * @param cpu CPU use while timing: this process's versus other work
     */
    record EngineFigures(
            String pythonNetwork,
            List<InProcessForward.Measurement> torchScript,
            List<InProcessForward.Measurement> own,
            double decodeMs,
            CpuAccounting.Usage cpu) {

        /** Whether the served block in process, rather than the TorchScript, is the faster and so the ceiling. */
        boolean ownIsCeiling() {
            return InProcessForward.best(own).imagesPerSecond()
                    > InProcessForward.best(torchScript).imagesPerSecond();
        }

        /** The engine ceiling: the faster of the two in-process forwards, at its best batch size. */
        InProcessForward.Measurement ceiling() {
            return InProcessForward.best(ownIsCeiling() ? own : torchScript);
        }
    }

    /**
     * The ceiling at its best batch size for one window, run among the load steps of one
     * concurrency level so that it meets the same background load as they do.
     */
    record CeilingStep(
            String model, int concurrency, InProcessForward.Measurement measurement, CpuAccounting.Usage cpu) {}

    private Comparison compare(Path jar, Map<String, Path> modelDirectories, Map<String, List<byte[]>> jpegs)
            throws Exception {
        Map<String, Model> torchScripts = new LinkedHashMap<>();
        Map<String, Model> ownBlocks = new LinkedHashMap<>();
        try (ServerProcess service =
                        startService(jar, modelDirectories, models, Map.of(), List.of(), serviceArgs, "service");
                ServerProcess peer = startPython()) {
            awaitServiceReady(service, models);
            peer.awaitReady(client, "/health", body -> true, START_TIMEOUT);
            for (String model : models) {
                warmUp(service, SERVICE, model, jpegs.get(model));
                warmUp(peer, PYTHON, model, jpegs.get(model));
            }
            log("both servers are ready and warm; measuring the forward pass in process (servers idle)");
            OfflineEngine.pytorch();
            Map<String, EngineFigures> engine = new LinkedHashMap<>();
            Map<String, List<float[]>> prepared = new LinkedHashMap<>();
            for (String model : models) {
                torchScripts.put(
                        model,
                        InProcessForward.torchScript(work.resolve("references")
                                .resolve(references.network(model).torchscript())));
                ownBlocks.put(model, InProcessForward.ownBlock(modelDirectories.get(model)));
                prepared.put(model, prepare(modelDirectories.get(model), jpegs.get(model)));
                engine.put(
                        model,
                        measureInProcess(
                                model,
                                torchScripts.get(model),
                                ownBlocks.get(model),
                                modelDirectories,
                                jpegs.get(model),
                                prepared.get(model)));
            }
            List<StepResult> steps = new ArrayList<>();
            List<CeilingStep> ceilingSteps = new ArrayList<>();
            ClosedLoopLoad load = load();
            for (String model : models) {
                EngineFigures figures = engine.get(model);
                Model ceiling = figures.ownIsCeiling() ? ownBlocks.get(model) : torchScripts.get(model);
                for (int i = 0; i < concurrency.size(); i++) {
                    int level = concurrency.get(i);
                    // A different one first at each level, so drifting background load favours none.
                    List<String> order = new ArrayList<>(List.of(SERVICE, PYTHON, CEILING));
                    Collections.rotate(order, -i);
                    for (String system : order) {
                        if (system.equals(CEILING)) {
                            ceilingSteps.add(ceilingStep(
                                    model,
                                    level,
                                    ceiling,
                                    prepared.get(model),
                                    figures.ceiling().batchSize()));
                        } else {
                            steps.add(step(
                                    load,
                                    system.equals(SERVICE) ? service : peer,
                                    system,
                                    model,
                                    level,
                                    jpegs.get(model)));
                        }
                    }
                }
            }
            return new Comparison(engine, steps, ceilingSteps);
        } finally {
            torchScripts.values().forEach(Model::close);
            ownBlocks.values().forEach(Model::close);
        }
    }

    private CeilingStep ceilingStep(String model, int concurrency, Model ceiling, List<float[]> prepared, int batchSize)
            throws TranslateException {
        CpuAccounting cpu = new CpuAccounting(ProcessHandle.current().pid());
        CpuAccounting.Snapshot before = cpu.snapshot();
        InProcessForward.Measurement measurement = InProcessForward.sustained(
                ceiling, prepared, 3, references.network(model).size(), batchSize, Duration.ofSeconds(windowSeconds));
        CeilingStep step =
                new CeilingStep(model, concurrency, measurement, CpuAccounting.between(before, cpu.snapshot()));
        log(HttpBenchmarkReport.progressLine(step));
        return step;
    }

    /**
     * Loads a server untimed before its first step. A step's own warm-up fills the queue, but the
     * JVM's request path (Tomcat, Jackson, the client) is still being compiled by then: without this
     * the first step measured, one client, carried several milliseconds of interpreted code.
     */
    private void warmUp(ServerProcess server, String system, String model, List<byte[]> images)
            throws InterruptedException, IOException {
        log("warming up " + system + " with " + model + " (" + SERVER_WARMUP.toSeconds() + " s, not measured)");
        new ClosedLoopLoad(SERVER_WARMUP, Duration.ofSeconds(1), maxRequests)
                .run(server.uri("/classify?model=" + model + "&topK=5"), images, SERVER_WARMUP_CLIENTS);
    }

    ClosedLoopLoad load() {
        return new ClosedLoopLoad(Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(windowSeconds), maxRequests);
    }

    /** One load step of {@code concurrency} clients against {@code server}, with the CPU use meanwhile. */
    StepResult step(
            ClosedLoopLoad load,
            ServerProcess server,
            String system,
            String model,
            int concurrency,
            List<byte[]> images)
            throws InterruptedException, IOException {
        CpuAccounting cpu =
                new CpuAccounting(server.pid(), ProcessHandle.current().pid());
        CpuAccounting.Snapshot before = cpu.snapshot();
        ClosedLoopLoad.Outcome outcome =
                load.run(server.uri("/classify?model=" + model + "&topK=5"), images, concurrency);
        StepResult result = StepResult.of(
                system,
                model,
                concurrency,
                outcome,
                SERVICE.equals(system),
                CpuAccounting.between(before, cpu.snapshot()));
        log(HttpBenchmarkReport.progressLine(result));
        return result;
    }

    /** Starts the built jar on a free loopback port serving the benchmark's model directories of {@code served}. */
    ServerProcess startService(
            Path jar,
            Map<String, Path> modelDirectories,
            List<String> served,
            Map<String, String> environment,
            List<String> jvmArgs,
            List<String> extraArgs,
            String logName)
            throws IOException {
        int port = ServerProcess.freeLoopbackPort();
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(jvmArgs);
        // The benchmark reads no actuator endpoint: the management port is any free one, so that a
        // service already on 8081 does not stop the run.
        command.addAll(List.of(
                "-jar",
                jar.toString(),
                "--server.address=127.0.0.1",
                "--server.port=" + port,
                "--management.server.address=127.0.0.1",
                "--management.server.port=0",
                "--inception.default-model=" + served.get(0)));
        for (String model : served) {
            command.add("--inception.models." + model + "=file:" + modelDirectories.get(model) + "/");
        }
        command.addAll(extraArgs);
        log("starting " + SERVICE + ": "
                + environment.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue() + " ")
                        .collect(Collectors.joining())
                + String.join(" ", command.subList(1, command.size())));
        return ServerProcess.start(SERVICE, command, environment, port, work.resolve("logs/" + logName + ".log"));
    }

    /**
     * Waits until each of {@code served} has loaded and warmed up. (Not the readiness probe: that
     * also waits for the bundled models, which the benchmark does not use.)
     */
    void awaitServiceReady(ServerProcess service, List<String> served) throws InterruptedException {
        for (String model : served) {
            service.awaitReady(
                    client,
                    "/models/" + model,
                    body -> {
                        JsonNode info = JSON.readTree(body);
                        if ("FAILED".equals(info.path("status").asString())) {
                            throw new IllegalStateException("inception-serve cannot serve model '" + model + "': "
                                    + info.path("failure").asString());
                        }
                        return "READY".equals(info.path("status").asString());
                    },
                    START_TIMEOUT);
        }
    }

    private ServerProcess startPython() throws IOException {
        int port = ServerProcess.freeLoopbackPort();
        List<String> command = new ArrayList<>(List.of(
                python,
                root.resolve("src/bench/python/reference_service.py").toString(),
                "--port",
                Integer.toString(port),
                "--labels",
                work.resolve("references").resolve(references.labels()).toString()));
        if (pythonBfloat16) {
            command.add("--bfloat16");
        }
        log("starting " + PYTHON + (pythonBfloat16 ? " (bfloat16 autocast, channels-last)" : "") + " on port " + port);
        return ServerProcess.start(PYTHON, command, PYTHON_ENVIRONMENT, port, work.resolve("logs/python.log"));
    }

    /** The JPEGs as the service prepares them: the network inputs for the in-process passes. */
    private static List<float[]> prepare(Path modelDirectory, List<byte[]> jpegs) {
        ImagePreprocessor preprocessor =
                new ImagePreprocessor(ModelArtifact.open(modelDirectory).manifest());
        return jpegs.stream().map(preprocessor::prepare).toList();
    }

    private EngineFigures measureInProcess(
            String model,
            Model torchScript,
            Model own,
            Map<String, Path> modelDirectories,
            List<byte[]> jpegs,
            List<float[]> prepared)
            throws Exception {
        References.Network network = references.network(model);
        double decodeMs = medianDecodeMs(
                new ImagePreprocessor(
                        ModelArtifact.open(modelDirectories.get(model)).manifest()),
                jpegs);
        Map<String, Model> networks = new LinkedHashMap<>();
        networks.put(TORCHSCRIPT, torchScript);
        networks.put(OWN, own);
        CpuAccounting cpu = new CpuAccounting(ProcessHandle.current().pid());
        CpuAccounting.Snapshot before = cpu.snapshot();
        Map<String, List<InProcessForward.Measurement>> measured = InProcessForward.measure(
                networks, prepared, 3, network.size(), batchSizes, Duration.ofMillis(engineRoundMillis), engineRounds);
        CpuAccounting.Usage usage = CpuAccounting.between(before, cpu.snapshot());
        measured.forEach(
                (name, measurements) -> log(model + ", " + name + ": " + HttpBenchmarkReport.describe(measurements)));
        return new EngineFigures(network.network(), measured.get(TORCHSCRIPT), measured.get(OWN), decodeMs, usage);
    }

    /** Median of decoding and preparing each JPEG once, after one untimed pass over them all. */
    private static double medianDecodeMs(ImagePreprocessor preprocessor, List<byte[]> jpegs) {
        jpegs.forEach(preprocessor::prepare);
        long[] nanos = jpegs.stream()
                .mapToLong(jpeg -> {
                    long start = System.nanoTime();
                    preprocessor.prepare(jpeg);
                    return System.nanoTime() - start;
                })
                .sorted()
                .toArray();
        return nanos[nanos.length / 2] / 1e6;
    }

    /** Traces the PyTorch networks with Debian's torch, unless done since the Python sources last changed. */
    private void prepareReferences() throws IOException, InterruptedException {
        Path directory = work.resolve("references");
        Path sources = root.resolve("src/bench/python");
        Path script = sources.resolve("trace_references.py");
        Path description = directory.resolve(References.FILE);
        if (!Files.isRegularFile(description)
                || newestChange(sources)
                        > Files.getLastModifiedTime(description).toMillis()) {
            log("tracing the PyTorch reference networks with " + python);
            ProcessBuilder builder = new ProcessBuilder(python, script.toString(), directory.toString()).inheritIO();
            builder.environment().putAll(PYTHON_ENVIRONMENT);
            Process trace = builder.start();
            if (!trace.waitFor(5, TimeUnit.MINUTES) || trace.exitValue() != 0) {
                trace.destroyForcibly();
                throw new IllegalStateException("tracing the references failed; the Python side needs Debian's "
                        + "packages: apt-get install python3-torchvision python3-fastapi python3-uvicorn "
                        + "python3-multipart python3-pil");
            }
        }
        references = References.read(directory);
    }

    private static long newestChange(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            return files.mapToLong(file -> file.toFile().lastModified()).max().orElse(Long.MAX_VALUE);
        }
    }

    /** The served models' directories, by name. */
    private Map<String, Path> writeModelDirectories() throws IOException {
        Map<String, Path> directories = new LinkedHashMap<>();
        for (String model : models) {
            directories.put(
                    model, references.writeModelDirectory(model, work.resolve("references"), work.resolve("models")));
        }
        return directories;
    }

    private Map<String, List<byte[]>> writeJpegs() throws IOException {
        Map<String, List<byte[]>> jpegs = new LinkedHashMap<>();
        Path pullover = root.resolve("src/test/resources/images/pullover.jpg");
        for (String model : models) {
            int size = references.network(model).size();
            jpegs.put(
                    model,
                    BenchJpegs.write(
                            fashionMnist, imageCount, size, List.of(pullover), work.resolve("images/" + size)));
        }
        return jpegs;
    }

    private Map<String, String> versions() {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("Java", System.getProperty("java.vm.name") + " " + Runtime.version());
        versions.put("DJL", Engine.getDjlVersion());
        versions.put("libtorch (DJL PyTorch engine)", OfflineEngine.pytorch().getVersion());
        references.versions().forEach((name, version) -> versions.put(name + " (reference side)", version));
        return versions;
    }

    private String commandLine() {
        String args = System.getProperty("bench.args", "").trim();
        String environment = RunInfo.THREADING_ENVIRONMENT.stream()
                .filter(name -> System.getenv(name) != null)
                .map(name -> name + "=" + System.getenv(name) + " ")
                .collect(Collectors.joining());
        return environment + "./mvnw -Pbench -DskipTests verify"
                + (args.isEmpty() ? "" : " -Dbench.args=\"" + args + "\"");
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static void log(String message) {
        System.out.printf(Locale.ROOT, "[bench %4ds] %s%n", (System.nanoTime() - LAUNCHED) / 1_000_000_000, message);
    }

    List<String> models() {
        return models;
    }

    List<Integer> concurrency() {
        return concurrency;
    }
}
