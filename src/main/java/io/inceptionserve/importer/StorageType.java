package io.inceptionserve.importer;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/** torch's typed storages, by the class name a checkpoint's pickle refers to (torch.FloatStorage). */
enum StorageType {
    FLOAT("FloatStorage", "float32", 4, true),
    HALF("HalfStorage", "float16", 2, true),
    BFLOAT16("BFloat16Storage", "bfloat16", 2, true),
    DOUBLE("DoubleStorage", "float64", 8, true),
    LONG("LongStorage", "int64", 8, false),
    INT("IntStorage", "int32", 4, false),
    SHORT("ShortStorage", "int16", 2, false),
    CHAR("CharStorage", "int8", 1, false),
    BYTE("ByteStorage", "uint8", 1, false),
    BOOL("BoolStorage", "bool", 1, false);

    private final String className;
    private final String dtype;
    private final int elementSize;
    private final boolean floatingPoint;

    StorageType(String className, String dtype, int elementSize, boolean floatingPoint) {
        this.className = className;
        this.dtype = dtype;
        this.elementSize = elementSize;
        this.floatingPoint = floatingPoint;
    }

    static Optional<StorageType> ofClassName(String className) {
        return Arrays.stream(values())
                .filter(type -> type.className.equals(className))
                .findFirst();
    }

    /** torch's name of the element type, e.g. float16. */
    String dtype() {
        return dtype;
    }

    int elementSize() {
        return elementSize;
    }

    boolean isFloatingPoint() {
        return floatingPoint;
    }

    /** Reads the floating-point element at {@code index} (in elements) of {@code data}. */
    float floatAt(ByteBuffer data, int index) {
        int position = index * elementSize;
        return switch (this) {
            case FLOAT -> data.getFloat(position);
            case DOUBLE -> (float) data.getDouble(position);
            case HALF -> halfToFloat(data.getShort(position));
            // bfloat16 is the upper half of a float32.
            case BFLOAT16 -> Float.intBitsToFloat((data.getShort(position) & 0xffff) << 16);
            default -> throw new IllegalStateException(dtype + " is not a floating-point type");
        };
    }

    /** IEEE 754 binary16 to binary32; exact, as every half value is a float value. */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float subnormal = mantissa * 0x1p-24f;
            return sign == 0 ? subnormal : -subnormal;
        }
        // Rebias the exponent from 15 to 127.
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
