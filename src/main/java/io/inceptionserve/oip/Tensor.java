package io.inceptionserve.oip;

import java.util.List;

/**
 * An input tensor as read from a request, in either form (JSON or binary).
 *
 * @param name the name the client gave it
 * @param datatype its datatype
 * @param shape its shape, a -1 dimension resolved
 * @param numbers the elements of a numeric tensor, row-major; null for BYTES
 * @param elements the elements of a BYTES tensor; null otherwise
 */
record Tensor(String name, Datatype datatype, long[] shape, float[] numbers, List<byte[]> elements) {

    int size() {
        return numbers != null ? numbers.length : elements.size();
    }
}
