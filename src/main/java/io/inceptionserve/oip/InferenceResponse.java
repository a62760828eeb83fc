package io.inceptionserve.oip;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The protocol's {@code $inference_response}.
 *
 * @param modelName the model that answered
 * @param modelVersion its version
 * @param id the request's {@code id}, when it gave one
 * @param outputs the requested outputs
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InferenceResponse(
        @JsonProperty("model_name") String modelName,
        @JsonProperty("model_version") String modelVersion,
        String id,
        List<ResponseOutput> outputs) {

    /**
     * @param name the output's name
     * @param shape its shape
     * @param datatype {@code FP32} for probabilities, {@code BYTES} for classification strings
     * @param parameters {@code binary_data_size} when the elements follow the JSON in binary
     * @param data the elements, flat in row-major order; absent when they are sent in binary
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ResponseOutput(
            String name, long[] shape, String datatype, Map<String, Object> parameters, Object data) {}
}
