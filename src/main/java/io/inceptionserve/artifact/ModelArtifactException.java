package io.inceptionserve.artifact;

/** A model directory that cannot be served; the message names the model and what is wrong. */
public class ModelArtifactException extends RuntimeException {

    public ModelArtifactException(String modelName, String problem) {
        super("model '" + modelName + "': " + problem);
    }

    public ModelArtifactException(String modelName, String problem, Throwable cause) {
        super("model '" + modelName + "': " + problem, cause);
    }
}
