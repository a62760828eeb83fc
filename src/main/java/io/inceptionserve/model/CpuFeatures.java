package io.inceptionserve.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The instruction-set extensions of the host CPU that decide which precision is fast, as Linux
 * lists them in the {@code flags} line of {@code /proc/cpuinfo}.
 */
public final class CpuFeatures {

    /** AVX-512 bfloat16 dot products (Cooper Lake, Zen 4 and later) and AMX bfloat16 tiles (Sapphire Rapids). */
    private static final List<String> BFLOAT16_FLAGS = List.of("avx512_bf16", "amx_bf16");

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    private final Set<String> flags;

    private CpuFeatures(Set<String> flags) {
        this.flags = Set.copyOf(flags);
    }

    /** The host CPU's features; none when {@code /proc/cpuinfo} cannot be read (not Linux). */
    public static CpuFeatures detect() {
        try {
            return fromCpuinfo(Files.readString(CPUINFO));
        } catch (IOException e) {
            return fromFlags(Set.of());
        }
    }

    /** The features listed by the first {@code flags} line of a {@code /proc/cpuinfo} text. */
    public static CpuFeatures fromCpuinfo(String cpuinfo) {
        return cpuinfo.lines()
                .filter(line -> line.startsWith("flags"))
                .findFirst()
                .map(line -> fromFlags(Arrays.asList(
                        line.substring(line.indexOf(':') + 1).strip().split("\\s+"))))
                .orElseGet(() -> fromFlags(Set.of()));
    }

    /** A CPU with exactly these flags, e.g. to see what another machine would choose. */
    public static CpuFeatures fromFlags(java.util.Collection<String> flags) {
        return new CpuFeatures(new LinkedHashSet<>(flags));
    }

    /** Whether the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX-BF16). */
    public boolean nativeBfloat16() {
        return !bfloat16Flags().isEmpty();
    }

    /** The bfloat16 flags the CPU has, comma-separated; empty when none. */
    public String bfloat16Flags() {
        return BFLOAT16_FLAGS.stream().filter(flags::contains).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return nativeBfloat16() ? "CPU with " + bfloat16Flags() : "CPU without native bfloat16";
    }
}
