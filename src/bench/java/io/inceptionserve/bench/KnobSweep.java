package io.inceptionserve.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * inception-serve alone under the same load with different batching and threading settings, one
 * service start per setting, to find good defaults for the machine at hand.
 */
final class KnobSweep {

    private static final String CPU = "--inception.inference.cpu.";
    /** DJL's system property for libtorch's intra-op threads (default: the cores). */
    private static final String LIBTORCH_THREADS = "ai.djl.pytorch.num_threads";

    /**
     * @param name what is changed from the defaults
     * @param jvmArgs JVM options of the service, e.g. libtorch's thread count
     * @param serviceArgs the command-line properties that change it
     */
    record Setting(String name, List<String> jvmArgs, List<String> serviceArgs) {

        Setting(String name, String... serviceArgs) {
            this(name, List.of(), List.of(serviceArgs));
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
            new Setting("1 libtorch thread", List.of("-D" + LIBTORCH_THREADS + "=1"), List.of()),
            new Setting("2 workers × 1 libtorch thread", List.of("-D" + LIBTORCH_THREADS + "=1"),
                    List.of(CPU + "workers=2")));

    private final HttpLoadBenchmark benchmark;
    private final Path jar;
    private final Map<String, Path> modelDirectories;
    private final List<byte[]> jpegs;
    private final String model;

    KnobSweep(HttpLoadBenchmark benchmark, Path jar, Map<String, Path> modelDirectories,
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

    List<Result> run() throws Exception {
        List<Result> results = new ArrayList<>();
        ClosedLoopLoad load = benchmark.load();
        for (int i = 0; i < SETTINGS.size(); i++) {
            Setting setting = SETTINGS.get(i);
            HttpLoadBenchmark.log("setting " + (i + 1) + "/" + SETTINGS.size() + ": " + setting.name());
            try (ServerProcess service = benchmark.startService(jar, modelDirectories, List.of(model),
                    setting.jvmArgs(), setting.serviceArgs(), "sweep-" + i)) {
                benchmark.awaitServiceReady(service);
                List<StepResult> steps = new ArrayList<>();
                for (int concurrency : benchmark.concurrency()) {
                    steps.add(benchmark.step(load, service, HttpLoadBenchmark.SERVICE, model, concurrency, jpegs));
                }
                results.add(new Result(setting, steps));
            }
        }
        return results;
    }
}
