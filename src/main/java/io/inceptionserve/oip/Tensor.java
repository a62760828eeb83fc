package io.inceptionserve.oip;

import io.inceptionserve.image.PixelImage;
import java.util.List;

/**
 * An input tensor as read from a request, in either form (JSON or binary). A numeric tensor sent
 * in binary stays in the request's bytes until it is used, so that its shape can be checked
 * against the limits before an array the size of its data is made.
 *
 * @param name the name the client gave it
 * @param datatype its datatype
 * @param shape its shape, a -1 dimension resolved
 * @param json the elements of a numeric tensor sent as JSON, row-major; null otherwise
 * @param elements the elements of a BYTES tensor; null otherwise
 * @param binary the binary data of a numeric tensor; null otherwise
 */
record Tensor(String name, Datatype datatype, long[] shape, float[] json, List<byte[]> elements, Binary binary) {

    /** A numeric tensor's data in the request body: {@code length} bytes from {@code offset}. */
    record Binary(byte[] body, int offset, int length) {}

    int size() {
        if (json != null) {
            return json.length;
        }
        return binary != null ? binary.length() / datatype.width : elements.size();
    }

    /** The numeric elements as floats, row-major; non-finite values refused. */
    float[] numbers() {
        if (json != null) {
            return json;
        }
        float[] values = datatype.numbers(name, binary.body(), binary.offset(), binary.length());
        InferRequestReader.checkFinite(name, datatype, values);
        return values;
    }

    /**
     * Image {@code n} of a UINT8 tensor shaped [N, H, W, C], over the request's own bytes when it
     * came in binary.
     */
    PixelImage pixels(int n) {
        int height = (int) shape[1];
        int width = (int) shape[2];
        int channels = (int) shape[3];
        int length = height * width * channels;
        String element = name + "[" + n + "]";
        if (binary != null) {
            return new PixelImage(element, binary.body(), binary.offset() + n * length, width, height, channels);
        }
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) json[n * length + i];
        }
        return new PixelImage(element, bytes, 0, width, height, channels);
    }
}
