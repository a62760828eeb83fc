package io.inceptionserve.oip;

import io.inceptionserve.oip.InferenceRequest.RequestInput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.springframework.boot.servlet.autoconfigure.MultipartProperties;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads an inference request body in any of the forms the protocol and Triton's binary tensor
 * data extension allow: JSON alone; a JSON header of {@code Inference-Header-Content-Length}
 * bytes followed by the binary tensors it announces; or, with that header 0, the whole body as
 * one encoded image.
 */
@Component
class InferRequestReader {

    static final String BINARY_HEADER = "Inference-Header-Content-Length";

    /** The name a raw body's single input gets: it is an encoded image. */
    static final String RAW_INPUT = OipModels.IMAGE_INPUT;

    static final String BINARY_DATA_SIZE = "binary_data_size";
    private static final float FP16_MAX = 65504f;

    private final JsonMapper json;
    private final long maxBodyBytes;

    /** The body limit is the multipart request limit: a request may carry a batch of images either way. */
    InferRequestReader(JsonMapper json, MultipartProperties multipart) {
        this.json = json;
        this.maxBodyBytes = multipart.getMaxRequestSize().toBytes();
    }

    /** The body, refused with 413 from its declared length before it is read, or as soon as it passes the limit. */
    byte[] readBody(InputStream body, Long declaredLength) {
        if (declaredLength != null && declaredLength > maxBodyBytes) {
            throw tooLarge();
        }
        try {
            byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (bytes.length > maxBodyBytes) {
                throw tooLarge();
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("reading the request body", e);
        }
    }

    private OipException tooLarge() {
        return new OipException(
                HttpStatus.CONTENT_TOO_LARGE, "the request body exceeds the limit of " + maxBodyBytes + " bytes");
    }

    InferCall read(byte[] body, String binaryHeader) {
        if (binaryHeader == null) {
            return decode(parse(body, body.length), body, body.length);
        }
        int headerLength = headerLength(binaryHeader, body.length);
        if (headerLength == 0) {
            if (body.length == 0) {
                throw OipException.badRequest(
                        "the body is empty; with " + BINARY_HEADER + ": 0 it must be one encoded image");
            }
            Tensor image = new Tensor(RAW_INPUT, Datatype.BYTES, new long[] {1}, null, List.of(body), null);
            return new InferCall(null, List.of(image), List.of(), false);
        }
        return decode(parse(body, headerLength), body, headerLength);
    }

    private static int headerLength(String header, int bodyLength) {
        long length;
        try {
            length = Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            throw OipException.badRequest(BINARY_HEADER + " must be a byte count; was '" + header + "'");
        }
        if (length < 0 || length > bodyLength) {
            throw OipException.badRequest(
                    BINARY_HEADER + " is " + length + " but the body has " + bodyLength + " bytes");
        }
        return (int) length;
    }

    private InferenceRequest parse(byte[] body, int length) {
        InferenceRequest request;
        try {
            request = json.readValue(body, 0, length, InferenceRequest.class);
        } catch (JacksonException e) {
            throw OipException.badRequest(
                    "the body is not an inference request: " + e.getOriginalMessage() + JsonPaths.of(e));
        }
        if (request == null) {
            throw OipException.badRequest("the body is empty; it must be an inference request in JSON");
        }
        return request;
    }

    /** Reads each input's elements, from its JSON data or from its slice of the binary part, in input order. */
    private static InferCall decode(InferenceRequest request, byte[] body, int binaryStart) {
        List<RequestInput> inputs = request.inputs() == null ? List.of() : request.inputs();
        List<Tensor> tensors = new ArrayList<>(inputs.size());
        int offset = binaryStart;
        for (RequestInput input : inputs) {
            if (input == null) {
                throw OipException.badRequest("an input is null");
            }
            Long binarySize = binarySize(input.name(), input.parameters());
            if (binarySize != null) {
                if (binarySize > body.length - offset) {
                    throw OipException.badRequest("input '" + input.name() + "' has " + BINARY_DATA_SIZE + " "
                            + binarySize + " but only " + (body.length - offset) + " binary bytes remain");
                }
                tensors.add(fromBinary(input, body, offset, binarySize.intValue()));
                offset += binarySize.intValue();
            } else {
                tensors.add(fromJson(input));
            }
        }
        if (offset != body.length) {
            throw OipException.badRequest("the body has " + (body.length - offset)
                    + " bytes after the JSON and the binary tensors it announces");
        }
        return new InferCall(
                request.id(),
                tensors,
                request.outputs() == null ? List.of() : request.outputs(),
                flag(request.parameters(), "binary_data_output"));
    }

    private static Long binarySize(String input, Map<String, JsonNode> parameters) {
        JsonNode size = parameters == null ? null : parameters.get(BINARY_DATA_SIZE);
        if (size == null || size.isNull()) {
            return null;
        }
        if (!size.isIntegralNumber() || !size.canConvertToLong() || size.longValue() < 0) {
            throw OipException.badRequest(
                    "the " + BINARY_DATA_SIZE + " of input '" + input + "' must be a byte count; was " + size);
        }
        return size.longValue();
    }

    /** A boolean parameter; absent means false. */
    static boolean flag(Map<String, JsonNode> parameters, String name) {
        JsonNode value = parameters == null ? null : parameters.get(name);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw OipException.badRequest("parameter '" + name + "' must be true or false; was " + value);
        }
        return value.booleanValue();
    }

    private static Tensor fromBinary(RequestInput input, byte[] body, int offset, int length) {
        if (input.data() != null) {
            throw OipException.badRequest("input '" + input.name() + "' has both JSON data and " + BINARY_DATA_SIZE);
        }
        Datatype datatype = datatype(input);
        if (datatype == Datatype.BYTES) {
            List<byte[]> elements = Datatype.elements(input.name(), body, offset, length);
            return new Tensor(input.name(), datatype, resolveShape(input, elements.size()), null, elements, null);
        }
        if (length % datatype.width != 0) {
            throw OipException.badRequest("input '" + input.name() + "' has " + length + " bytes of " + datatype
                    + " data, not a whole number of " + datatype.width + "-byte elements");
        }
        // Converted when used, once the shape has been checked against the model and the limits.
        return new Tensor(
                input.name(),
                datatype,
                resolveShape(input, length / datatype.width),
                null,
                null,
                new Tensor.Binary(body, offset, length));
    }

    private static Tensor fromJson(RequestInput input) {
        if (input.data() == null) {
            throw OipException.badRequest("input '" + input.name() + "' has no data");
        }
        Datatype datatype = datatype(input);
        if (datatype == Datatype.BYTES) {
            if (!(input.data() instanceof TensorData.Strings strings)) {
                throw OipException.badRequest(
                        "BYTES input '" + input.name() + "' must hold base64 strings, one per image");
            }
            List<byte[]> elements = new ArrayList<>(strings.size());
            for (int i = 0; i < strings.size(); i++) {
                try {
                    // The MIME decoder also takes line-wrapped base64, as Python's base64.encodebytes writes it.
                    elements.add(Base64.getMimeDecoder().decode(strings.values().get(i)));
                } catch (IllegalArgumentException e) {
                    throw OipException.badRequest("'" + input.name() + "[" + i + "]' is not base64: " + e.getMessage());
                }
            }
            return new Tensor(input.name(), datatype, resolveShape(input, elements.size()), null, elements, null);
        }
        if (!(input.data() instanceof TensorData.Numbers numbers)) {
            throw OipException.badRequest(datatype + " input '" + input.name() + "' must hold numbers");
        }
        float[] values = numbers.values();
        if (datatype == Datatype.UINT8) {
            checkBytes(input.name(), values);
        } else {
            checkFinite(input.name(), datatype, values);
        }
        return new Tensor(input.name(), datatype, resolveShape(input, values.length), values, null, null);
    }

    private static Datatype datatype(RequestInput input) {
        Datatype datatype = Datatype.of(input.datatype());
        if (datatype == null) {
            throw OipException.badRequest("input '" + input.name() + "' has datatype '" + input.datatype()
                    + "'; the model takes BYTES (encoded images), FP32 or FP16 (prepared tensors [N, C, H, W])"
                    + " or UINT8 (pixels [N, H, W, C]), spelt so");
        }
        return datatype;
    }

    /**
     * NaN, ±Inf, and (for FP16 sent as JSON) numbers beyond half precision's range would come back
     * as NaN probabilities; they are refused naming the input and the first such element.
     */
    static void checkFinite(String input, Datatype datatype, float[] values) {
        float limit = datatype == Datatype.FP16 ? FP16_MAX : Float.MAX_VALUE;
        for (int i = 0; i < values.length; i++) {
            if (!(Math.abs(values[i]) <= limit)) {
                throw OipException.badRequest("input '" + input + "' element " + i + " is " + values[i]
                        + ", not a finite " + datatype + " value");
            }
        }
    }

    private static void checkBytes(String input, float[] values) {
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (!(v >= 0 && v <= 255 && v == Math.rint(v))) {
                throw OipException.badRequest(
                        "UINT8 input '" + input + "' element " + i + " is " + v + ", not a whole number 0..255");
            }
        }
    }

    /**
     * The input's shape with a -1 dimension (at most one) worked out from the element count,
     * checked against that count.
     */
    static long[] resolveShape(RequestInput input, int elements) {
        if (input.shape() == null || input.shape().isEmpty() || input.shape().contains(null)) {
            throw OipException.badRequest("input '" + input.name() + "' has no shape, or an empty dimension");
        }
        long[] shape = input.shape().stream().mapToLong(Long::longValue).toArray();
        long known = 1;
        int wildcard = -1;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == -1 && wildcard < 0) {
                wildcard = d;
            } else if (shape[d] < 0) {
                throw OipException.badRequest("input '" + input.name() + "' has an invalid shape " + input.shape());
            } else {
                try {
                    known = Math.multiplyExact(known, shape[d]);
                } catch (ArithmeticException e) {
                    throw OipException.badRequest(
                            "input '" + input.name() + "' has a shape too large, " + input.shape());
                }
            }
        }
        if (wildcard >= 0 && known > 0 && elements % known == 0) {
            shape[wildcard] = elements / known;
            known = elements;
        }
        if (known != elements) {
            throw OipException.badRequest("input '" + input.name() + "' has shape " + input.shape() + " but " + elements
                    + " elements of data");
        }
        return Arrays.copyOf(shape, shape.length);
    }
}
