package io.inceptionserve;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory of this process outside the JVM's own pools: where native tensors live. */
public final class NativeMemory {

    private NativeMemory() {}

    /**
     * The process's resident memory minus what the JVM has committed for its heap and other pools:
     * those grow and shrink with garbage collection (by hundreds of MB after other tests ran in
     * this JVM) and would drown the native tensors' memory.
     */
    public static long residentOutsideJvmBytes() throws IOException {
        MemoryMXBean jvm = ManagementFactory.getMemoryMXBean();
        long jvmCommitted = jvm.getHeapMemoryUsage().getCommitted()
                + jvm.getNonHeapMemoryUsage().getCommitted();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024 - jvmCommitted;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
