package io.inceptionserve.bench;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.model.Architecture;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.model.blocks.InceptionNetwork;
import java.lang.management.ManagementFactory;

/**
 * The part of start-up that is ours: building and initialising each network at its design size
 * (what an imported torchvision model costs) and loading the three bundled models into their
 * inference form, each timed in wall-clock and in process CPU time (all threads), which a
 * loaded machine disturbs less. Self-contained, so that the same file also runs against an
 * older build's classes with Java's source launcher:
 *
 * <pre>
 * java -cp 'BOOT-INF/classes:BOOT-INF/lib/*' src/bench/java/io/inceptionserve/bench/NetworkBuildTime.java
 * </pre>
 */
public final class NetworkBuildTime {

    private static final String[] BUNDLED = {"googlenet", "googlenet-bn", "inception-v2"};

    private NetworkBuildTime() {}

    public static void main(String[] args) throws Exception {
        OfflineEngine.pytorch();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.out.printf("load average at the start: %.2f%n", os.getSystemLoadAverage());
        for (Architecture architecture : Architecture.values()) {
            int size = architecture.defaultInputSize();
            long wall = System.nanoTime();
            long cpu = os.getProcessCpuTime();
            try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
                InceptionNetwork network = architecture.build(1000, 3, false);
                network.initialize(manager, DataType.FLOAT32, new Shape(1, 3, size, size));
            }
            print("build + initialise " + architecture.id() + " at " + size + " px", wall, cpu, os);
        }
        long allWall = System.nanoTime();
        long allCpu = os.getProcessCpuTime();
        for (String name : BUNDLED) {
            long wall = System.nanoTime();
            long cpu = os.getProcessCpuTime();
            ModelArtifact artifact = ModelArtifact.open(
                    name, file -> NetworkBuildTime.class.getResourceAsStream("/models/" + name + "/" + file));
            try (Model model = Model.newInstance(name, ai.djl.Device.cpu(), "PyTorch")) {
                model.setBlock(artifact.newInferenceBlock(model.getNDManager()));
            }
            print("load bundled " + name + " (float32 inference form)", wall, cpu, os);
        }
        print("the three bundled models", allWall, allCpu, os);
        System.out.printf("load average at the end: %.2f%n", os.getSystemLoadAverage());
    }

    private static void print(String what, long wallStart, long cpuStart, com.sun.management.OperatingSystemMXBean os) {
        System.out.printf(
                "%-58s %7.0f ms wall %7.0f ms CPU%n",
                what, (System.nanoTime() - wallStart) / 1e6, (os.getProcessCpuTime() - cpuStart) / 1e6);
    }
}
