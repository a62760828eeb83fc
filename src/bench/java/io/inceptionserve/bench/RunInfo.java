package io.inceptionserve.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How a benchmark run was made: command, time, machine, software versions.
 *
 * @param versions component → version, on both sides
 */
record RunInfo(String command, Instant started, Instant finished, Machine machine, Map<String, String> versions) {

    /** Environment variables that change how libtorch and OpenMP use the cores. */
    static final List<String> THREADING_ENVIRONMENT = List.of("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT");

    /**
     * @param cores processors available to the JVM
     * @param cpuModel {@code model name} from {@code /proc/cpuinfo}
     * @param cpuFlags the vector extensions the CPU reports (they decide the kernels libtorch uses)
     * @param memory {@code MemTotal} from {@code /proc/meminfo}
     * @param os {@code PRETTY_NAME} from {@code /etc/os-release}
     * @param loadAtStart the 1/5/15-minute load averages when the run began: other work on the machine
     */
    record Machine(int cores, String cpuModel, String cpuFlags, String memory, String os, String loadAtStart) {

        static Machine describe() {
            String cpuinfo = read("/proc/cpuinfo");
            String flags = field(cpuinfo, "flags").orElse("");
            String vector = Arrays.stream(flags.split(" "))
                    .filter(f -> f.equals("avx2") || f.equals("fma") || f.startsWith("avx512") || f.equals("amx_tile"))
                    .sorted()
                    .collect(Collectors.joining(" "));
            return new Machine(
                    Runtime.getRuntime().availableProcessors(),
                    field(cpuinfo, "model name").orElse("unknown"),
                    vector,
                    field(read("/proc/meminfo"), "MemTotal").orElse("unknown"),
                    field(read("/etc/os-release").replace('=', ':'), "PRETTY_NAME")
                            .orElse("unknown")
                            .replace("\"", ""),
                    loadAverage());
        }

        static String loadAverage() {
            String[] fields = read("/proc/loadavg").trim().split("\\s+");
            return fields.length >= 3 ? fields[0] + " / " + fields[1] + " / " + fields[2] : "unknown";
        }

        private static Optional<String> field(String text, String name) {
            return text.lines()
                    .filter(line -> line.startsWith(name) && line.indexOf(':') > 0)
                    .map(line -> line.substring(line.indexOf(':') + 1).strip())
                    .findFirst();
        }

        private static String read(String file) {
            try {
                return Files.readString(Path.of(file));
            } catch (IOException e) {
                return "";
            }
        }
    }
}
