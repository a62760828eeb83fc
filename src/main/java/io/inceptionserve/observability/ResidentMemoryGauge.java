package io.inceptionserve.observability;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.stereotype.Component;

/**
 * {@code inception_process_resident_memory_bytes}: the process's resident set from
 * {@code /proc/self/status}. libtorch allocates its tensors outside the JVM's heap, where no JVM
 * meter sees them; the resident set holds both, and is what the container's memory limit counts.
 * Subtracting {@code jvm_memory_committed_bytes} leaves roughly the native part.
 */
@Component
class ResidentMemoryGauge implements MeterBinder {

    private static final Path STATUS = Path.of("/proc/self/status");

    @Override
    public void bindTo(MeterRegistry registry) {
        if (!Files.isReadable(STATUS)) {
            return;
        }
        Gauge.builder("inception.process.resident.memory", ResidentMemoryGauge::residentBytes)
                .description("Resident set of the process: JVM and libtorch native memory")
                .baseUnit("bytes")
                .register(registry);
    }

    /** VmRSS, in bytes; NaN if it cannot be read. */
    static double residentBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    // "VmRSS:     123456 kB"
                    String[] fields = line.trim().split("\\s+");
                    return Long.parseLong(fields[1]) * 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
