package io.inceptionserve.oip;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.inceptionserve.serving.ServedModel;
import io.inceptionserve.serving.ServedModels.IndexEntry;

/**
 * One line of Triton's repository index ({@code POST /v2/repository/index}): a model version and
 * its state, or a model of the repository with no version loaded (no version, no state).
 *
 * @param state READY, LOADING, UNLOADING or UNAVAILABLE, as Triton names them
 * @param reason why it is not ready
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record RepositoryIndex(String name, String version, String state, String reason) {

    static RepositoryIndex of(IndexEntry entry) {
        if (entry.status() == null) {
            return new RepositoryIndex(entry.name(), null, null, entry.reason());
        }
        return new RepositoryIndex(
                entry.name(),
                Long.toString(entry.version()),
                state(entry.status()),
                entry.reason() == null ? "" : entry.reason());
    }

    private static String state(ServedModel.Status status) {
        return switch (status) {
            case READY -> "READY";
            case LOADING, WARMING_UP -> "LOADING";
            case UNLOADING -> "UNLOADING";
            case FAILED, UNLOADED -> "UNAVAILABLE";
        };
    }
}
