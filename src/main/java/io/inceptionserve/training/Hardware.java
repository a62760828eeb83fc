package io.inceptionserve.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Where a run trained, for the report: throughput means little without it.
 *
 * @param cpuModel from {@code /proc/cpuinfo}, or "unknown"
 * @param engine engine name and version, e.g. "PyTorch 2.7.1"
 * @param intraOpThreads the engine's intra-op threads used for training
 * @param maxHeapMiB the JVM's maximum heap
 */
public record Hardware(
        int cores,
        String os,
        String cpuModel,
        String device,
        String engine,
        String djlVersion,
        int intraOpThreads,
        long maxHeapMiB) {

    static Hardware describe(Engine engine, Device device, int intraOpThreads) {
        return new Hardware(
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                readCpuModel(),
                device.toString(),
                engine.getEngineName() + " " + engine.getVersion(),
                Engine.getDjlVersion(),
                intraOpThreads,
                Runtime.getRuntime().maxMemory() / (1024 * 1024));
    }

    private static String readCpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).strip())
                    .findFirst()
                    .orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
