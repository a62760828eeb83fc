package io.inceptionserve.oip;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The protocol's tensor datatypes this server takes, and their binary form as the binary tensor
 * data extension lays it out: little-endian, row-major, no padding; a BYTES element as a 4-byte
 * unsigned length followed by its bytes.
 */
enum Datatype {
    /** Encoded images, one per element. */
    BYTES(0),
    /** Prepared tensors, [N, C, H, W]. */
    FP32(4),
    /** Prepared tensors, [N, C, H, W], in half precision. */
    FP16(2),
    /** Decoded pixels before normalisation, [N, H, W, C]. */
    UINT8(1);

    /** Bytes per element in the binary form; 0 for BYTES, whose elements carry their own length. */
    final int width;

    Datatype(int width) {
        this.width = width;
    }

    /**
     * The datatype of that protocol name, spelt as the protocol spells it ({@code FP32}, not
     * {@code fp32}, which KServe and Triton refuse too), or null for one this server does not take.
     */
    static Datatype of(String name) {
        if (name == null) {
            return null;
        }
        try {
            return valueOf(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Numeric elements of a binary tensor, widened to float; NaN, ±Inf and all kept as they are. */
    float[] numbers(String input, byte[] data, int offset, int length) {
        if (length % width != 0) {
            throw OipException.badRequest("input '" + input + "' has " + length + " bytes of " + this
                    + " data, not a whole number of " + width + "-byte elements");
        }
        ByteBuffer buffer = ByteBuffer.wrap(data, offset, length).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[length / width];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (this) {
                case FP32 -> buffer.getFloat();
                case FP16 -> halfToFloat(buffer.getShort());
                case UINT8 -> buffer.get() & 0xff;
                case BYTES -> throw new IllegalStateException("BYTES elements are not numbers");
            };
        }
        return values;
    }

    /** BYTES elements of a binary tensor: each a 4-byte little-endian length, then that many bytes. */
    static List<byte[]> elements(String input, byte[] data, int offset, int length) {
        ByteBuffer buffer = ByteBuffer.wrap(data, offset, length).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> elements = new ArrayList<>();
        while (buffer.hasRemaining()) {
            if (buffer.remaining() < 4) {
                throw OipException.badRequest("BYTES input '" + input + "' ends inside the length of element "
                        + elements.size() + "; each element is a 4-byte little-endian length, then its bytes");
            }
            long size = Integer.toUnsignedLong(buffer.getInt());
            if (size > buffer.remaining()) {
                throw OipException.badRequest("BYTES input '" + input + "' element " + elements.size() + " declares "
                        + size + " bytes but only " + buffer.remaining() + " follow");
            }
            byte[] element = new byte[(int) size];
            buffer.get(element);
            elements.add(element);
        }
        return elements;
    }

    /** The binary form of BYTES elements. */
    static byte[] encode(List<byte[]> elements) {
        int length = elements.stream().mapToInt(e -> 4 + e.length).sum();
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] element : elements) {
            buffer.putInt(element.length).put(element);
        }
        return buffer.array();
    }

    /** The binary form of FP32 elements. */
    static byte[] encode(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    /** IEEE 754 binary16 to float, exactly (every half is a float). */
    static float halfToFloat(short half) {
        int sign = (half & 0x8000) << 16;
        int exponent = (half >>> 10) & 0x1f;
        int mantissa = half & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa × 2^-24.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
