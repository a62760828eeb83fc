package io.inceptionserve.model;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * The number format the inference form computes in. Parameters and activations are held in it
 * from the input to the logits; the logits are converted back to float32 before the softmax, so
 * probabilities are always float32.
 */
public enum Precision {
    /** bfloat16 where the device computes it natively, float16 on a GPU without it, else float32. */
    AUTO,
    FLOAT32,
    /** 8 exponent bits like float32, 8 bits of mantissa: twice the throughput on AVX512-BF16 or AMX. */
    BFLOAT16,
    /** Slow on CPUs without AVX512-FP16 (all of ours); meant for GPUs. */
    FLOAT16;

    /** The first NVIDIA architecture (Ampere, compute capability 8.0) with native bfloat16. */
    private static final int BFLOAT16_CUDA_MAJOR = 8;

    /** The setting as written in manifests and properties: {@code auto}, {@code bfloat16}, … */
    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@link #id()}, in any case. */
    @JsonCreator
    public static Precision fromId(String id) {
        for (Precision precision : values()) {
            if (precision.id().equalsIgnoreCase(id)) {
                return precision;
            }
        }
        throw new IllegalArgumentException("precision must be one of "
                + Arrays.stream(values()).map(Precision::id).toList() + ", was '" + id + "'");
    }

    /** Whether the inference form converts parameters and activations away from float32. */
    public boolean reduced() {
        return this == BFLOAT16 || this == FLOAT16;
    }

    /**
     * The precision a model runs in on {@code device}: this one, unless it is {@link #AUTO}.
     *
     * <p>On a CUDA GPU, {@code auto} picks bfloat16 from compute capability 8 (Ampere) on and
     * float16 before it; this project's machines have no GPU, so that branch is untested.
     *
     * @param device where the model runs
     * @param cpu the host CPU's features, for a CPU device
     * @return the choice and why it was made
     */
    public Choice resolve(Device device, CpuFeatures cpu) {
        if (this != AUTO) {
            return new Choice(this, "configured");
        }
        if (device.isGpu()) {
            String capability = CudaUtils.getComputeCapability(device.getDeviceId());
            int major = Integer.parseInt(capability.substring(0, capability.length() - 1));
            return major >= BFLOAT16_CUDA_MAJOR
                    ? new Choice(BFLOAT16, "auto: GPU compute capability " + capability + " computes bfloat16")
                    : new Choice(FLOAT16, "auto: GPU compute capability " + capability + " has no bfloat16");
        }
        return cpu.nativeBfloat16()
                ? new Choice(BFLOAT16, "auto: the CPU computes bfloat16 natively (" + cpu.bfloat16Flags() + ")")
                : new Choice(FLOAT32, "auto: the CPU has neither avx512_bf16 nor amx_bf16");
    }

    /**
     * A resolved precision and the reason for it, as the start-up log shows it.
     *
     * @param precision never {@link #AUTO}
     * @param reason why
     */
    public record Choice(Precision precision, String reason) {}
}
