package io.inceptionserve.oip;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The protocol's {@code $inference_request}.
 *
 * @param id echoed in the response when given
 * @param inputs the input tensors; this service's models take exactly one
 * @param outputs the outputs wanted and their parameters; all outputs when absent
 */
public record InferenceRequest(String id, List<RequestInput> inputs, List<RequestOutput> outputs) {

    /**
     * @param name any name: the model has one input, so the name does not select it
     * @param shape the tensor's shape; one dimension may be -1, meaning "as many as the data
     *     holds". A single number is read as a one-dimensional shape, as some clients send it.
     * @param datatype {@code BYTES} (encoded images, base64) or {@code FP32} (prepared tensor)
     * @param data the elements, flat or nested
     */
    public record RequestInput(
            String name,

            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            List<Long> shape,

            String datatype,
            TensorData data) {}

    /**
     * @param name an output of the model
     * @param parameters {@code classification: k} asks for the top k classes as strings
     */
    public record RequestOutput(String name, Map<String, JsonNode> parameters) {}
}
