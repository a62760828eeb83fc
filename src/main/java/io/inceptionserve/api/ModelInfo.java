package io.inceptionserve.api;

import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.serving.ServedModel;
import java.util.List;

/**
 * What {@code GET /models} says of one model.
 *
 * @param name the name requests use
 * @param isDefault whether requests that name no model get this one
 * @param architecture its network, or {@code null} when its manifest could not be read
 * @param description the manifest's description
 * @param labels number of classes
 * @param input the network's input; {@code null} when the manifest could not be read
 * @param devices where it runs
 * @param precision the number format it computes in (float32, bfloat16 or float16); {@code null}
 *     until it is loaded
 * @param status LOADING, WARMING_UP, READY or FAILED
 * @param trained false when it has no trained weights and its answers are noise
 * @param failure why it failed to load, when it did
 * @param classes the class names it answers with, in class-index order: all of them, or the first
 *     {@value #LISTED_CLASSES} of a longer list ({@code labels} says how many there are); empty
 *     when the manifest could not be read
 * @param trainedOn what its weights were trained on, when the manifest says
 * @param accuracy its accuracy measured on held-out test images, when the manifest says
 * @param version the version requests naming none go to, which the fields above describe
 * @param versions every version loaded, loading, failed or being retired, oldest first
 */
public record ModelInfo(
        String name,
        boolean isDefault,
        String architecture,
        String description,
        int labels,
        Input input,
        List<String> devices,
        String precision,
        ServedModel.Status status,
        boolean trained,
        String failure,
        List<String> classes,
        String trainedOn,
        ModelManifest.Accuracy accuracy,
        long version,
        List<Version> versions) {

    /** Enough to see what a model knows without turning /models into ImageNet's label list. */
    static final int LISTED_CLASSES = 20;

    /**
     * One version of a model and its state.
     *
     * @param failure why it failed to load, when it did
     */
    public record Version(long version, ServedModel.Status status, String failure) {}

    static ModelInfo of(ServedModel model, List<ServedModel> versions, String defaultModel) {
        ModelArtifact artifact = model.artifact();
        return new ModelInfo(
                model.name(),
                model.name().equals(defaultModel),
                artifact == null ? null : artifact.manifest().architecture(),
                artifact == null ? null : artifact.manifest().description(),
                artifact == null ? 0 : artifact.labels().size(),
                artifact == null ? null : Input.of(artifact.manifest().input()),
                model.devices().stream().map(Object::toString).toList(),
                model.precision(),
                model.status(),
                model.trained(),
                model.failure(),
                artifact == null
                        ? List.of()
                        : List.copyOf(artifact.labels()
                                .subList(
                                        0,
                                        Math.min(
                                                LISTED_CLASSES,
                                                artifact.labels().size()))),
                artifact == null ? null : artifact.manifest().trainedOn(),
                artifact == null ? null : artifact.manifest().accuracy(),
                model.version(),
                versions.stream()
                        .map(v -> new Version(v.version(), v.status(), v.failure()))
                        .toList());
    }

    /**
     * The network's input, as the JSON of {@code GET /models} shows it.
     *
     * @param size the side of the square input in pixels
     * @param channels 1 (grey) or 3 (RGB)
     */
    public record Input(int size, int channels) {

        static Input of(ModelManifest.Input input) {
            return new Input(input.size(), input.channels());
        }
    }
}
