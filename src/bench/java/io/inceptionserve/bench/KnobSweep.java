package io.inceptionserve.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * inception-serve alone under the same load with different batching and threading settings, one
 * service per setting, to find good defaults for the machine at hand.
 */
final class KnobSweep {

    private static final String CPU = "--inception.inference.cpu.";
    /** DJL's system property for libtorch's intra-op threads (default: the cores). */
    private static final String LIBTORCH_THREADS = "ai.djl.pytorch.num_threads";

    /**
     * @param name what is changed from the defaults
     * @param environment environment variables of the service, e.g. OpenMP's
     * @param jvmArgs JVM options of the service, e.g. libtorch's thread count
     * @param serviceArgs the command-line properties that change it
     */
    record Setting(String name, Map<String, String> environment, List<String> jvmArgs, List<String> serviceArgs) {

        Setting(String name, String... serviceArgs) {
            this(name, Map.of(), List.of(), List.of(serviceArgs));
        }
    }

    /** @param steps one per concurrency level */
    record Result(Setting setting, List<StepResult> steps) {}

    static final List<Setting> SETTINGS = List.of(
            new Setting("defaults (1 worker, batch ≤ 8, delay 5 ms, preprocess threads = cores)"),
            new Setting("no batching (batch ≤ 1)", CPU + "max-batch-size=1"),
            new Setting("batch ≤ 4", CPU + "max-batch-size=4"),
            new Setting("batch ≤ 16", CPU + "max-batch-size=16"),
            new Setting("delay 0 ms", CPU + "max-batch-delay=0ms"),
            new Setting("delay 20 ms", CPU + "max-batch-delay=20ms"),
            new Setting("1 preprocess thread", "--inception.inference.preprocess-threads=1"),
            new Setting("2 workers", CPU + "workers=2"),
            new Setting("1 libtorch thread", Map.of(), List.of("-D" + LIBTORCH_THREADS + "=1"), List.of()),
            new Setting(
                    "2 workers × 1 libtorch thread",
                    Map.of(),
                    List.of("-D" + LIBTORCH_THREADS + "=1"),
                    List.of(CPU + "workers=2")),
            // OpenMP threads sleep at once when they wait, instead of spinning for a while first.
            new Setting("OMP_WAIT_POLICY=PASSIVE", Map.of("OMP_WAIT_POLICY", "PASSIVE"), List.of(), List.of()),
            // They spin about 30 times shorter than libgomp's default before sleeping.
            new Setting("GOMP_SPINCOUNT=10000", Map.of("GOMP_SPINCOUNT", "10000"), List.of(), List.of()));

    private final HttpLoadBenchmark benchmark;
    private final Path jar;
    private final Map<String, Path> modelDirectories;
    private final List<byte[]> jpegs;
    private final String model;

    KnobSweep(
            HttpLoadBenchmark benchmark,
            Path jar,
            Map<String, Path> modelDirectories,
            Map<String, List<byte[]>> jpegs) {
        this.benchmark = benchmark;
        this.jar = jar;
        this.modelDirectories = modelDirectories;
        this.model = benchmark.models().get(0);
        this.jpegs = jpegs.get(model);
    }

    String model() {
        return model;
    }

    /**
     * Starts one service per setting, all at once, then runs each concurrency level against every
     * setting in turn (a different one first at each level), so that background load drifting
     * during the sweep falls on all settings alike. Idle services wait on their queues.
     */
    List<Result> run() throws Exception {
        List<ServerProcess> services = new ArrayList<>();
        try {
            for (int i = 0; i < SETTINGS.size(); i++) {
                Setting setting = SETTINGS.get(i);
                services.add(benchmark.startService(
                        jar,
                        modelDirectories,
                        List.of(model),
                        setting.environment(),
                        setting.jvmArgs(),
                        setting.serviceArgs(),
                        "sweep-" + i));
            }
            for (ServerProcess service : services) {
                benchmark.awaitServiceReady(service, List.of(model));
            }
            Map<Setting, List<StepResult>> steps = new LinkedHashMap<>();
            SETTINGS.forEach(setting -> steps.put(setting, new ArrayList<>()));
            ClosedLoopLoad load = benchmark.load();
            List<Integer> levels = benchmark.concurrency();
            for (int level = 0; level < levels.size(); level++) {
                for (int k = 0; k < SETTINGS.size(); k++) {
                    int i = (k + level) % SETTINGS.size();
                    HttpLoadBenchmark.log("setting " + (i + 1) + "/" + SETTINGS.size() + ": "
                            + SETTINGS.get(i).name());
                    steps.get(SETTINGS.get(i))
                            .add(benchmark.step(
                                    load, services.get(i), HttpLoadBenchmark.SERVICE, model, levels.get(level), jpegs));
                }
            }
            return SETTINGS.stream()
                    .map(setting -> new Result(setting, steps.get(setting)))
                    .toList();
        } finally {
            services.forEach(ServerProcess::close);
        }
    }
}
