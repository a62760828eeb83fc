package io.inceptionserve.training;

import io.inceptionserve.artifact.ArtifactFiles;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelArtifactException;
import java.io.FileNotFoundException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The trained model a fine-tuning run starts from ({@code train --init-from}): a model directory
 * written by {@code train} or {@code import}, or one of the models bundled in the jar, by name.
 *
 * @param reference what {@code --init-from} said, for the report
 * @param artifact the opened model directory; its weights are read when training starts
 */
public record StartingModel(String reference, ModelArtifact artifact) {

    /** The models the jar bundles under {@code models/<name>/}. */
    static final List<String> BUNDLED = List.of("googlenet", "googlenet-bn", "inception-v2");

    /**
     * Opens the model {@code reference} names: a directory if one exists there, else a bundled
     * model of that name.
     *
     * @throws TrainingInputException if it names neither, or names a model that cannot be a
     *     starting point (unreadable, or without trained weights)
     */
    static StartingModel open(String reference) {
        Path directory = Path.of(reference);
        ModelArtifact artifact;
        try {
            if (Files.isDirectory(directory)) {
                artifact = ModelArtifact.open(directory);
            } else if (BUNDLED.contains(reference)) {
                artifact = ModelArtifact.open(reference, bundledFiles(reference));
            } else if (reference.toLowerCase(Locale.ROOT).endsWith(".pth")) {
                throw new TrainingInputException("--init-from " + reference + " is a torchvision state_dict; "
                        + "import it first (`import --arch googlenet-bn|inception-v3 --from " + reference
                        + " --out DIR`) and give that DIR to --init-from");
            } else {
                throw new TrainingInputException("--init-from " + reference + " is neither a model directory nor "
                        + "a bundled model (" + String.join(", ", BUNDLED) + ")");
            }
        } catch (ModelArtifactException e) {
            throw new TrainingInputException(
                    "--init-from " + reference + " cannot be fine-tuned: " + e.getMessage(), e);
        }
        if (!artifact.hasWeights()) {
            throw new TrainingInputException("--init-from " + reference + " cannot be fine-tuned: its manifest "
                    + "names no weights file, so it has nothing learnt to start from");
        }
        return new StartingModel(reference, artifact);
    }

    private static ArtifactFiles bundledFiles(String name) {
        return fileName -> {
            InputStream in = StartingModel.class.getResourceAsStream("/models/" + name + "/" + fileName);
            if (in == null) {
                throw new FileNotFoundException("models/" + name + "/" + fileName);
            }
            return in;
        };
    }

    /** One line for the report: what it is and what it was trained on. */
    String describe() {
        var manifest = artifact.manifest();
        String knows = manifest.trainedOn() != null ? manifest.trainedOn() : manifest.description();
        return reference + " (" + artifact.architecture().id() + ", "
                + artifact.labels().size() + " classes" + (knows == null || knows.isBlank() ? "" : "; " + knows) + ")";
    }
}
