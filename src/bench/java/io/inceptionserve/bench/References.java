package io.inceptionserve.bench;

import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.artifact.ModelManifest.ResizePolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@code src/bench/python/trace_references.py} wrote: the reference networks (this
 * project's architectures written in PyTorch, {@code networks.py}) traced to TorchScript, their
 * input and preprocessing, the ImageNet labels and the Python side's versions. The benchmark's model directories are made from it, so inception-serve and
 * the references see the same input size, preprocessing and classes.
 *
 * @param networks served model name → its reference network
 * @param mean per-channel normalisation mean
 * @param std per-channel normalisation standard deviation
 * @param labels the labels file, one ImageNet class per line
 * @param versions Python, torch, torchvision, Pillow, FastAPI, uvicorn
 */
record References(
        Map<String, Network> networks, float[] mean, float[] std, String labels, Map<String, String> versions) {

    /**
     * @param network the builder in {@code networks.py}, e.g. {@code inception_v2}
     * @param resizeTo the shorter side is resized to this before the center crop
     * @param size the crop: the network's square input side
     * @param torchscript the traced network's file name
     */
    record Network(String network, int resizeTo, int size, String torchscript) {}

    static final String FILE = "references.json";

    static References read(Path directory) throws IOException {
        return JsonMapper.builder().build().readValue(Files.readString(directory.resolve(FILE)), References.class);
    }

    Network network(String model) {
        Network network = networks.get(model);
        if (network == null) {
            throw new IllegalArgumentException(
                    "no reference network for model '" + model + "'; there are " + networks.keySet());
        }
        return network;
    }

    /**
     * Writes an untrained model directory for {@code model}, whose name is also its architecture:
     * RGB input and ImageNet preprocessing as the reference (bilinear resize, as torchvision's
     * {@code Resize}), the 1000 ImageNet labels, no weights.
     */
    Path writeModelDirectory(String model, Path referencesDirectory, Path modelsDirectory) throws IOException {
        Network network = network(model);
        Path directory = modelsDirectory.resolve(model);
        Files.createDirectories(directory);
        List<String> classes = Files.readAllLines(referencesDirectory.resolve(labels));
        Files.write(directory.resolve("labels.txt"), classes);
        ModelArtifact.writeManifest(
                directory,
                new ModelManifest(
                        model,
                        model,
                        model + " at " + network.size() + " px for the benchmark (random weights)",
                        "labels.txt",
                        new ModelManifest.Input(network.size(), 3),
                        new ModelManifest.Preprocessing(
                                ResizePolicy.SHORTER_SIDE,
                                network.resizeTo(),
                                mean,
                                std,
                                ModelManifest.Upscale.BILINEAR),
                        null));
        return directory;
    }
}
