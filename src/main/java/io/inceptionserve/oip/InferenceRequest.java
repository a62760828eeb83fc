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
 * @param parameters {@code binary_data_output: true} asks for every output in binary form
 */
public record InferenceRequest(
        String id, List<RequestInput> inputs, List<RequestOutput> outputs, Map<String, JsonNode> parameters) {

    /**
     * @param name any name: the model has one input, so the name does not select it
     * @param shape the tensor's shape; one dimension may be -1, meaning "as many as the data
     *     holds". A single number is read as a one-dimensional shape, as some clients send it.
     * @param datatype {@code BYTES} (encoded images), {@code FP32} or {@code FP16} (prepared
     *     tensor), {@code UINT8} (decoded pixels)
     * @param data the elements, flat or nested; absent when they follow the JSON in binary
     * @param parameters {@code binary_data_size} when the elements follow the JSON in binary
     */
    public record RequestInput(
            String name,

            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            List<Long> shape,

            String datatype,
            TensorData data,
            Map<String, JsonNode> parameters) {}

    /**
     * @param name an output of the model
     * @param parameters {@code classification: k} asks for the top k classes as strings,
     *     {@code binary_data: true} for the output in binary form
     */
    public record RequestOutput(String name, Map<String, JsonNode> parameters) {}
}
