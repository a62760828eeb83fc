package io.inceptionserve.oip;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Triton's model configuration extension ({@code GET /v2/models/{m}/config}): the fields of
 * Triton's {@code ModelConfig} that describe this server's models, in its JSON naming. Dimensions
 * leave out the batch dimension, as Triton's do when {@code max_batch_size} is above 0.
 *
 * @param name the model's name
 * @param platform as the model metadata says
 * @param maxBatchSize images one request may carry
 * @param input the inputs, of which a request sends one
 * @param output the outputs
 * @param dynamicBatching how requests are batched together for a forward pass
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record TritonModelConfig(
        String name,
        String platform,
        @JsonProperty("max_batch_size") int maxBatchSize,
        List<Tensor> input,
        List<Tensor> output,
        @JsonProperty("dynamic_batching") DynamicBatching dynamicBatching) {

    /**
     * @param dataType Triton's type name, e.g. {@code TYPE_FP32}
     * @param format {@code FORMAT_NCHW} or {@code FORMAT_NHWC} for image tensors
     * @param dims dimensions after the batch one; -1 for any size
     * @param labelFilename for a classification output, the labels file
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Tensor(
            String name,
            @JsonProperty("data_type") String dataType,
            String format,
            long[] dims,
            @JsonProperty("label_filename") String labelFilename) {}

    /**
     * @param maxPreferredBatchSize images one forward pass takes at most
     * @param maxQueueDelayMicroseconds how long a worker holding fewer images waits for more
     */
    record DynamicBatching(
            @JsonProperty("preferred_batch_size") List<Integer> maxPreferredBatchSize,
            @JsonProperty("max_queue_delay_microseconds") long maxQueueDelayMicroseconds) {}
}
