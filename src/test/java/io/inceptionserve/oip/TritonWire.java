package io.inceptionserve.oip;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The binary tensor data extension as a client speaks it, written from Triton's specification
 * (extension_binary_data.md): a JSON header of {@code Inference-Header-Content-Length} bytes, then
 * each tensor's little-endian bytes in the order of the JSON's tensors; a BYTES element as a 4-byte
 * little-endian length and its bytes.
 */
final class TritonWire {

    static final String HEADER = "Inference-Header-Content-Length";

    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;

    TritonWire(int port) {
        this.base = "http://localhost:" + port;
    }

    /** A response: its status, headers, JSON part, and the binary part of each output by name. */
    record Answer(int status, Map<String, List<String>> headers, JsonNode json, Map<String, byte[]> binary) {

        String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0))
                    .findFirst()
                    .orElse(null);
        }

        JsonNode output() {
            return json.get("outputs").get(0);
        }

        /** The FP32 elements of the first output, from its binary part or its JSON data. */
        float[] floats() {
            JsonNode output = output();
            if (output.has("data")) {
                float[] values = new float[output.get("data").size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = output.get("data").get(i).floatValue();
                }
                return values;
            }
            ByteBuffer buffer =
                    ByteBuffer.wrap(binary.get(output.get("name").asString())).order(ByteOrder.LITTLE_ENDIAN);
            float[] values = new float[buffer.remaining() / 4];
            buffer.asFloatBuffer().get(values);
            return values;
        }

        /** The BYTES elements of the first output's binary part, as UTF-8 strings. */
        List<String> strings() {
            ByteBuffer buffer =
                    ByteBuffer.wrap(binary.get(output().get("name").asString())).order(ByteOrder.LITTLE_ENDIAN);
            List<String> strings = new ArrayList<>();
            while (buffer.hasRemaining()) {
                byte[] element = new byte[buffer.getInt()];
                buffer.get(element);
                strings.add(new String(element, StandardCharsets.UTF_8));
            }
            return strings;
        }
    }

    /** Posts a JSON header followed by binary tensors, with the header's length announced. */
    Answer post(String path, String jsonHeader, byte[]... tensors) throws Exception {
        byte[] header = jsonHeader.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(header);
        for (byte[] tensor : tensors) {
            body.writeBytes(tensor);
        }
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header(HEADER, Integer.toString(header.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    }

    /** Posts a body with any headers, as a client would. */
    Answer send(HttpRequest.Builder request) throws Exception {
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        byte[] body = response.body();
        int jsonLength =
                response.headers().firstValue(HEADER).map(Integer::parseInt).orElse(body.length);
        JsonNode json = OipClient.JSON.readTree(new String(body, 0, jsonLength, StandardCharsets.UTF_8));
        Map<String, byte[]> binary = new java.util.LinkedHashMap<>();
        int offset = jsonLength;
        if (json.has("outputs")) {
            for (JsonNode output : json.get("outputs")) {
                JsonNode size = output.path("parameters").get("binary_data_size");
                if (size != null) {
                    binary.put(
                            output.get("name").asString(),
                            java.util.Arrays.copyOfRange(body, offset, offset + size.asInt()));
                    offset += size.asInt();
                }
            }
        }
        if (offset != body.length) {
            throw new AssertionError("the response has " + (body.length - offset) + " bytes no output announces");
        }
        return new Answer(response.statusCode(), response.headers().map(), json, binary);
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path));
    }

    /** BYTES elements in the binary form. */
    static byte[] bytesTensor(byte[]... elements) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] element : elements) {
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(element.length)
                    .array());
            out.writeBytes(element);
        }
        return out.toByteArray();
    }

    static byte[] fp32Tensor(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    static byte[] fp16Tensor(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buffer.putShort(half(v));
        }
        return buffer.array();
    }

    /**
     * IEEE 754 binary16 of a float, rounded to nearest even, for normal values, ±0 and ±Inf/NaN;
     * values below the smallest normal half (6.1e-5) become 0, which is enough for test tensors.
     */
    static short half(float value) {
        int bits = Float.floatToIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = ((bits >>> 23) & 0xff) - 127 + 15;
        int mantissa = bits & 0x7fffff;
        if (((bits >>> 23) & 0xff) == 0xff) {
            return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0));
        }
        if (exponent <= 0) {
            return (short) sign;
        }
        int rounded = (exponent << 10 | mantissa >>> 13) + roundingIncrement(mantissa);
        return (short) (sign | Math.min(rounded, 0x7c00));
    }

    private static int roundingIncrement(int mantissa) {
        int dropped = mantissa & 0x1fff;
        return dropped > 0x1000 || (dropped == 0x1000 && (mantissa & 0x2000) != 0) ? 1 : 0;
    }
}
