package io.inceptionserve.oip;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** The protocol's metadata and health objects. */
public final class Metadata {

    private Metadata() {}

    /** {@code $metadata_server_response}. */
    public record Server(String name, String version, List<String> extensions) {}

    /** {@code $metadata_model_response}. */
    public record Model(
            String name, List<String> versions, String platform, List<Tensor> inputs, List<Tensor> outputs) {}

    /** {@code $metadata_tensor}; -1 marks a dimension of any size. */
    public record Tensor(String name, String datatype, long[] shape) {}

    /** {@code $live_server_response}. */
    public record Live(boolean live) {}

    /** {@code $ready_server_response}. */
    public record Ready(boolean ready) {}

    /** {@code $ready_model_response}. */
    public record ModelReady(String name, boolean ready) {}

    /** The protocol's error object, for every failed request. */
    @Schema(name = "InferenceError")
    public record Error(String error) {}
}
