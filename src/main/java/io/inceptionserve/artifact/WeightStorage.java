package io.inceptionserve.artifact;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/** How a model directory's weights file stores the parameters; loading reads every form back as float32. */
public enum WeightStorage {
    /** Exactly the trained values. */
    FLOAT32,
    /** Half the size, with differences far below what changes a prediction. */
    FLOAT16,
    /**
     * About a quarter of the size: every parameter of two or more dimensions (convolution and
     * linear weights) as 8-bit integers with one float32 scale per output channel, symmetric, the
     * channel's largest magnitude mapped to 127; vectors (biases, BatchNorm) as float16.
     */
    INT8;

    /** Name suffix of the array that holds an 8-bit parameter's per-channel scales. */
    static final String SCALE_SUFFIX = "#int8-scale";

    private static final float INT8_MAX = 127f;

    /** Parses a command-line value: float32, float16 or int8, any case. */
    public static WeightStorage parse(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("storage must be float32, float16 or int8, was " + value, e);
        }
    }

    /** The command-line name: float32, float16 or int8. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The named arrays that store {@code value} as the parameter {@code name}; the caller closes them. */
    NDList encode(String name, NDArray value) {
        if (this == INT8 && value.getShape().dimension() >= 2) {
            return quantize(name, value);
        }
        NDArray stored = value.toType(this == FLOAT32 ? DataType.FLOAT32 : DataType.FLOAT16, true);
        stored.setName(name);
        return new NDList(stored);
    }

    /** The intermediate arrays live in a scope closed on return; only the two stored arrays outlive it. */
    private static NDList quantize(String name, NDArray value) {
        long channels = value.getShape().get(0);
        try (NDManager scope = value.getManager().newSubManager()) {
            // One row per output channel; the engine reduces over one axis at a time.
            NDArray rows = value.toType(DataType.FLOAT32, true);
            rows.attach(scope);
            rows = rows.reshape(channels, -1);
            // An all-zero channel keeps a tiny scale instead of dividing by zero; its integers are all 0.
            NDArray scales = rows.abs().max(new int[] {1}, true).div(INT8_MAX).maximum(Float.MIN_NORMAL);
            NDArray integers = rows.div(scales)
                    .round()
                    .clip(-INT8_MAX, INT8_MAX)
                    .toType(DataType.INT8, false)
                    .reshape(value.getShape());
            integers.setName(name);
            NDArray channelScales = scales.reshape(channels);
            channelScales.setName(name + SCALE_SUFFIX);
            NDList stored = new NDList(integers, channelScales);
            stored.attach(value.getManager());
            return stored;
        }
    }

    /**
     * The float32 value of a stored parameter, taking an 8-bit one's scales out of {@code unclaimed}
     * (stored arrays by name).
     *
     * @throws IllegalArgumentException when an 8-bit parameter's scales are missing or do not fit it
     */
    static NDArray decode(NDArray stored, Map<String, NDArray> unclaimed) {
        if (stored.getDataType() != DataType.INT8) {
            return stored.toType(DataType.FLOAT32, false);
        }
        NDArray scales = unclaimed.remove(stored.getName() + SCALE_SUFFIX);
        long channels = stored.getShape().get(0);
        if (scales == null
                || scales.getShape().dimension() != 1
                || scales.getShape().get(0) != channels) {
            throw new IllegalArgumentException("is stored as int8 without its " + channels + " per-channel scales");
        }
        long[] broadcast = new long[stored.getShape().dimension()];
        Arrays.fill(broadcast, 1);
        broadcast[0] = channels;
        return stored.toType(DataType.FLOAT32, false)
                .mul(scales.toType(DataType.FLOAT32, false).reshape(new Shape(broadcast)));
    }
}
