package io.inceptionserve.importer;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.artifact.WeightStorage;
import io.inceptionserve.model.Architecture;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.blocks.TorchvisionInputTransform;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Turns a torchvision state_dict into a model directory: checks that its keys and shapes are
 * exactly the network's, copies the values into the network's parameters and writes the
 * directory with torchvision's ImageNet preprocessing.
 */
public final class TorchvisionImporter {

    /** The 1000 ImageNet classes in torchvision's order (its {@code _IMAGENET_CATEGORIES}). */
    private static final String IMAGENET_LABELS = "/imagenet/labels.txt";

    private static final String NUM_BATCHES_TRACKED = "num_batches_tracked";

    private TorchvisionImporter() {}

    /** The torchvision models whose weights fit this service's networks. */
    public enum Source {
        /** torchvision's {@code googlenet}: resize 256, crop 224. */
        GOOGLENET(Architecture.GOOGLENET_BN, "googlenet", 256),
        /** torchvision's {@code inception_v3}: resize 342, crop 299. */
        INCEPTION_V3(Architecture.INCEPTION_V3, "inception_v3", 342);

        private final Architecture architecture;
        private final String torchvisionName;
        private final int resizeTo;

        Source(Architecture architecture, String torchvisionName, int resizeTo) {
            this.architecture = architecture;
            this.torchvisionName = torchvisionName;
            this.resizeTo = resizeTo;
        }

        /**
         * The source whose weights fit {@code architectureId}.
         *
         * @throws ImportException if torchvision has no weights for that architecture
         */
        public static Source forArchitecture(String architectureId) {
            return Arrays.stream(values())
                    .filter(source -> source.architecture.id().equals(architectureId))
                    .findFirst()
                    .orElseThrow(() -> new ImportException("torchvision has no weights for architecture '"
                            + architectureId + "'; importable: "
                            + Arrays.stream(values())
                                    .map(source -> source.architecture.id())
                                    .collect(Collectors.joining(", "))));
        }

        public Architecture architecture() {
            return architecture;
        }

        /** The side of the square input: the crop after resizing the shorter side to {@link #resizeTo}. */
        public int inputSize() {
            return architecture.defaultInputSize();
        }

        public int resizeTo() {
            return resizeTo;
        }
    }

    /**
     * What one import did.
     *
     * @param manifest the written manifest
     * @param tensors state_dict entries copied into the network
     * @param values numbers in them
     * @param skipped state_dict entries the served network has no use for (auxiliary heads,
     *     BatchNorm's num_batches_tracked)
     * @param weightsBytes size of the weights file
     */
    public record Result(ModelManifest manifest, int tensors, long values, int skipped, long weightsBytes) {}

    /** torchvision's 1000 ImageNet class names, in class-index order. */
    public static List<String> imagenetLabels() {
        try (InputStream in = TorchvisionImporter.class.getResourceAsStream(IMAGENET_LABELS)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("the application jar lacks " + IMAGENET_LABELS, e);
        }
    }

    /**
     * Imports {@code checkpoint} into the model directory {@code out}.
     *
     * @param source which torchvision model the checkpoint is from
     * @param checkpoint the .pth state_dict
     * @param out the model directory to write
     * @param name the model's name in the manifest
     * @param labels class names in class-index order; their count must match the checkpoint's
     * @param transformInput whether the network starts with torchvision's transform_input, as the
     *     pretrained weights need
     * @param storage how the weights file stores them
     * @throws ImportException listing every missing, unexpected and mis-shaped key
     */
    public static Result importCheckpoint(
            Source source,
            Path checkpoint,
            Path out,
            String name,
            List<String> labels,
            boolean transformInput,
            WeightStorage storage)
            throws IOException {
        Map<String, TorchTensor> stateDict = PthFile.readStateDict(checkpoint);
        ModelManifest manifest = manifest(
                source,
                name,
                "torchvision " + source.torchvisionName + " weights imported from " + checkpoint.getFileName(),
                transformInput);
        OfflineEngine.pytorch();
        try (NDManager manager = NDManager.newBaseManager()) {
            InceptionNetwork served = network(manifest, source, labels.size(), false, manager);
            Map<String, Parameter> servedKeys = TorchvisionKeys.of(served);
            Set<String> fileKeys = new TreeSet<>(stateDict.keySet());
            fileKeys.removeIf(key -> key.equals(NUM_BATCHES_TRACKED) || key.endsWith("." + NUM_BATCHES_TRACKED));
            Map<String, Parameter> expected = servedKeys;
            if (!servedKeys.keySet().containsAll(fileKeys)) {
                // Checkpoints of models built with aux_logits=True (all of torchvision's) also
                // hold the auxiliary heads, which inference never runs.
                Map<String, Parameter> withAux =
                        TorchvisionKeys.of(network(manifest, source, labels.size(), true, manager));
                if (fileKeys.stream().anyMatch(key -> withAux.containsKey(key) && !servedKeys.containsKey(key))) {
                    expected = withAux;
                }
            }
            check(checkpoint, source, labels.size(), stateDict, fileKeys, expected);
            long values = 0;
            for (Map.Entry<String, Parameter> entry : servedKeys.entrySet()) {
                float[] tensor = stateDict.get(entry.getKey()).toFloats();
                entry.getValue().getArray().set(tensor);
                values += tensor.length;
            }
            ModelArtifact.write(out, manifest, labels, served, storage);
            ModelManifest written = ModelArtifact.open(out).manifest();
            return new Result(
                    written,
                    servedKeys.size(),
                    values,
                    stateDict.size() - servedKeys.size(),
                    Files.size(out.resolve(written.weights().file())));
        }
    }

    /**
     * The manifest of an imported model, without weights: torchvision's ImageNet preprocessing
     * (shorter side resized with PIL's bilinear filter as torchvision's {@code Resize} does on a PIL
     * image, center crop, ImageNet mean and std) for {@code source}.
     */
    public static ModelManifest manifest(Source source, String name, String description, boolean transformInput) {
        return new ModelManifest(
                name,
                source.architecture.id(),
                description,
                "labels.txt",
                new ModelManifest.Input(source.inputSize(), 3),
                new ModelManifest.Preprocessing(
                        ModelManifest.ResizePolicy.SHORTER_SIDE,
                        source.resizeTo,
                        TorchvisionInputTransform.imagenetMean(),
                        TorchvisionInputTransform.imagenetStd(),
                        ModelManifest.Resampling.PIL_BILINEAR),
                null,
                transformInput ? Boolean.TRUE : null);
    }

    /**
     * Parameter shapes do not depend on the input size, and initialising at the smallest one is
     * many times quicker; Inception-v3's auxiliary head needs its full 299 px.
     */
    private static InceptionNetwork network(
            ModelManifest manifest, Source source, int numClasses, boolean withAux, NDManager manager) {
        InceptionNetwork network = ModelArtifact.network(manifest, source.architecture, numClasses, withAux);
        int size = withAux ? source.inputSize() : source.architecture.minInputSize();
        network.initialize(manager, DataType.FLOAT32, new Shape(1, 3, size, size));
        return network;
    }

    /** Fails with every mismatch at once, so one run shows all that is wrong. */
    private static void check(
            Path checkpoint,
            Source source,
            int numClasses,
            Map<String, TorchTensor> stateDict,
            Set<String> fileKeys,
            Map<String, Parameter> expected) {
        List<String> missing = expected.keySet().stream()
                .filter(key -> !fileKeys.contains(key))
                .toList();
        List<String> unexpected =
                fileKeys.stream().filter(key -> !expected.containsKey(key)).toList();
        List<String> misfits = new ArrayList<>();
        for (String key : fileKeys) {
            Parameter parameter = expected.get(key);
            if (parameter == null) {
                continue;
            }
            TorchTensor tensor = stateDict.get(key);
            Shape networkShape = parameter.getArray().getShape();
            if (!Arrays.equals(tensor.shape(), networkShape.getShape())) {
                misfits.add(key + " is " + Arrays.toString(tensor.shape()) + " in the file, "
                        + Arrays.toString(networkShape.getShape()) + " in the network");
            } else if (!tensor.type().isFloatingPoint()) {
                misfits.add(key + " is " + tensor.type().dtype() + ", not floating point");
            }
        }
        if (missing.isEmpty() && unexpected.isEmpty() && misfits.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder(checkpoint.getFileName() + " does not fit " + source.architecture.id()
                + " with " + numClasses + " classes:");
        appendProblems(message, "missing", missing);
        appendProblems(message, "unexpected", unexpected);
        appendProblems(message, "mis-shaped", misfits);
        throw new ImportException(message.toString());
    }

    private static void appendProblems(StringBuilder message, String kind, List<String> problems) {
        if (!problems.isEmpty()) {
            message.append("\n  ")
                    .append(problems.size())
                    .append(' ')
                    .append(kind)
                    .append(": ")
                    .append(String.join(", ", problems));
        }
    }
}
