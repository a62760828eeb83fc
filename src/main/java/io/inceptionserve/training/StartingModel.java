package io.inceptionserve.training;

import io.inceptionserve.artifact.ArtifactFiles;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelArtifactException;
import io.inceptionserve.artifact.WeightStorage;
import io.inceptionserve.importer.ImportException;
import io.inceptionserve.importer.TorchvisionImporter;
import io.inceptionserve.model.Architecture;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The trained model a fine-tuning run starts from ({@code train --init-from}): a model directory
 * written by {@code train} or {@code import}, one of the models bundled in the jar, by name, or a
 * torchvision state_dict ({@code .pth}), imported on the way as {@code import} would.
 *
 * @param reference what {@code --init-from} said, for the report
 * @param artifact the opened model directory; its weights are read when training starts
 */
public record StartingModel(String reference, ModelArtifact artifact) {

    /** The models the jar bundles under {@code models/<name>/}. */
    static final List<String> BUNDLED = List.of("googlenet", "googlenet-bn", "inception-v2");

    /**
     * Opens the model {@code reference} names: a directory if one exists there, a torchvision
     * state_dict if it ends in {@code .pth}, else a bundled model of that name.
     *
     * @param architecture the network a state_dict is for ({@code --model}), which the file does
     *     not say; {@code null} when not given
     * @throws TrainingInputException if it names none of these, or names a model that cannot be a
     *     starting point (unreadable, without trained weights, or a state_dict that does not fit)
     */
    static StartingModel open(String reference, Architecture architecture) {
        Path path = Path.of(reference);
        ModelArtifact artifact;
        try {
            if (Files.isDirectory(path)) {
                artifact = ModelArtifact.open(path);
            } else if (BUNDLED.contains(reference)) {
                artifact = ModelArtifact.open(reference, bundledFiles(reference));
            } else if (reference.toLowerCase(Locale.ROOT).endsWith(".pth")) {
                artifact = ModelArtifact.open(imported(path, architecture));
            } else {
                throw new TrainingInputException("--init-from " + reference + " is neither a model directory, "
                        + "a .pth state_dict nor a bundled model (" + String.join(", ", BUNDLED) + ")");
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

    /**
     * Imports torchvision weights into a model directory that lives as long as this process, as
     * {@code import --arch <architecture> --from <pth>} would write it: ImageNet's classes and
     * preprocessing, torchvision's transform_input in front, float32.
     */
    private static Path imported(Path pth, Architecture architecture) {
        if (!Files.isRegularFile(pth)) {
            throw new TrainingInputException("--init-from " + pth + " is not a file");
        }
        if (architecture == null) {
            throw new TrainingInputException("--init-from " + pth + " is a state_dict, which does not say which "
                    + "network it is for: add --model googlenet-bn (torchvision's googlenet) or --model inception-v3");
        }
        try {
            TorchvisionImporter.Source source = TorchvisionImporter.Source.forArchitecture(architecture.id());
            Path directory = Files.createTempDirectory("init-from-");
            directory.toFile().deleteOnExit();
            TorchvisionImporter.importCheckpoint(
                    source,
                    pth,
                    directory,
                    pth.getFileName().toString(),
                    TorchvisionImporter.imagenetLabels(),
                    true,
                    WeightStorage.FLOAT32);
            try (var files = Files.list(directory)) {
                files.map(Path::toFile).forEach(File::deleteOnExit);
            }
            return directory;
        } catch (ImportException e) {
            throw new TrainingInputException("--init-from " + pth + " cannot be imported: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new TrainingInputException(
                    "--init-from " + pth + " cannot be imported: cannot read or write " + e.getMessage(), e);
        }
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
