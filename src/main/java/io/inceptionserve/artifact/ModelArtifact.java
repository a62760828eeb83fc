package io.inceptionserve.artifact;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.inceptionserve.model.Architecture;
import io.inceptionserve.model.Precision;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.blocks.TorchvisionInputTransform;
import io.inceptionserve.model.inferenceform.InferenceForm;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A model directory: {@code manifest.json}, a labels file and (once trained) a weights file.
 *
 * <p>Opening checks the manifest and labels; {@link #loadInto} checks the weights' checksum and
 * every parameter's name and shape against the network the manifest describes, so a wrong file
 * stops this model with an error naming the model and the parameter instead of serving garbage.
 */
public final class ModelArtifact {

    public static final String MANIFEST = "manifest.json";

    /** Classes a model may have. */
    public static final int MAX_LABELS = 100_000;

    /** Characters one label may have. */
    public static final int MAX_LABEL_LENGTH = 256;

    private static final int MAX_LABELS_FILE_BYTES = 8 << 20;

    private static final JsonMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private final String name;
    private final ModelManifest manifest;
    private final Architecture architecture;
    private final List<String> labels;
    private final ArtifactFiles files;

    private ModelArtifact(
            String name, ModelManifest manifest, Architecture architecture, List<String> labels, ArtifactFiles files) {
        this.name = name;
        this.manifest = manifest;
        this.architecture = architecture;
        this.labels = labels;
        this.files = files;
    }

    /** Reads and checks the manifest and labels of the model served as {@code name}. */
    public static ModelArtifact open(String name, ArtifactFiles files) {
        ModelManifest manifest;
        try (InputStream in = openRequired(name, files, MANIFEST)) {
            manifest = JSON.readValue(in, ModelManifest.class);
        } catch (JacksonException e) {
            throw new ModelArtifactException(name, MANIFEST + " is not a valid manifest: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelArtifactException(name, "cannot read " + MANIFEST + ": " + e.getMessage(), e);
        }
        List<String> problems = manifest.problems();
        if (!problems.isEmpty()) {
            throw new ModelArtifactException(name, MANIFEST + ": " + String.join("; ", problems));
        }
        Architecture architecture;
        try {
            architecture = Architecture.fromId(manifest.architecture());
        } catch (IllegalArgumentException e) {
            throw new ModelArtifactException(name, e.getMessage(), e);
        }
        if (manifest.input().size() < architecture.minInputSize()) {
            throw new ModelArtifactException(
                    name,
                    architecture.id() + " needs an input of at least " + architecture.minInputSize()
                            + " px, the manifest gives " + manifest.input().size());
        }
        return new ModelArtifact(name, manifest, architecture, readLabels(name, files, manifest.labels()), files);
    }

    /** Opens a model directory on disk. */
    public static ModelArtifact open(Path directory) {
        return open(directory.getFileName().toString(), ArtifactFiles.of(directory));
    }

    /**
     * Reads the labels, bounded: they are held for as long as the model is served and sent back in
     * answers, so a labels file is refused when it is bigger than any classifier's (ImageNet-21k
     * has 21,841 classes) rather than read whole.
     */
    private static List<String> readLabels(String name, ArtifactFiles files, String labelsFile) {
        byte[] bytes;
        try (InputStream in = openRequired(name, files, labelsFile)) {
            bytes = in.readNBytes(MAX_LABELS_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new ModelArtifactException(name, "cannot read labels file " + labelsFile + ": " + e.getMessage(), e);
        }
        if (bytes.length > MAX_LABELS_FILE_BYTES) {
            throw new ModelArtifactException(
                    name, "labels file " + labelsFile + " is over " + MAX_LABELS_FILE_BYTES + " bytes");
        }
        List<String> labels = new String(bytes, StandardCharsets.UTF_8)
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty())
                .toList();
        if (labels.size() < 2) {
            throw new ModelArtifactException(name, "labels file " + labelsFile + " must list at least 2 classes");
        }
        if (labels.size() > MAX_LABELS) {
            throw new ModelArtifactException(
                    name,
                    "labels file " + labelsFile + " lists " + labels.size() + " classes; at most " + MAX_LABELS
                            + " are served");
        }
        for (int i = 0; i < labels.size(); i++) {
            if (labels.get(i).length() > MAX_LABEL_LENGTH) {
                throw new ModelArtifactException(
                        name,
                        "labels file " + labelsFile + ": label " + (i + 1) + " has "
                                + labels.get(i).length() + " characters; at most " + MAX_LABEL_LENGTH + " are served");
            }
        }
        return labels;
    }

    private static InputStream openRequired(String name, ArtifactFiles files, String fileName) throws IOException {
        try {
            return files.open(fileName);
        } catch (FileNotFoundException | NoSuchFileException e) {
            throw new ModelArtifactException(name, "file " + fileName + " is missing", e);
        }
    }

    public String name() {
        return name;
    }

    public ModelManifest manifest() {
        return manifest;
    }

    public Architecture architecture() {
        return architecture;
    }

    public List<String> labels() {
        return labels;
    }

    /** Whether the directory has trained weights; without them the network is randomly initialised. */
    public boolean hasWeights() {
        return manifest.weights() != null;
    }

    /** The network's input shape for a batch of {@code batchSize} images. */
    public Shape inputShape(int batchSize) {
        int size = manifest.input().size();
        return new Shape(batchSize, manifest.input().channels(), size, size);
    }

    /** Builds the network this artifact describes without its auxiliary heads, as it is trained and stored. */
    public Block newBlock() {
        return network(manifest, architecture, labels.size(), false);
    }

    /**
     * Builds the network with its weights in the faster form it is served in ({@link
     * InferenceForm}), its parameters on {@code manager}. The trained form's arrays are freed
     * before this returns.
     */
    public Block newInferenceBlock(NDManager manager) {
        return newInferenceBlock(manager, Precision.FLOAT32);
    }

    /**
     * Builds the network's inference form computing in {@code precision} (resolved, not {@code
     * auto}), its parameters on {@code manager}.
     */
    public Block newInferenceBlock(NDManager manager, Precision precision) {
        try (NDManager trainedForm = manager.newSubManager()) {
            Block trained = newBlock();
            loadInto(trained, trainedForm);
            return InferenceForm.of(trained, manager, precision);
        }
    }

    /**
     * A DJL model on {@code device} (PyTorch engine) whose block is the network's inference form
     * computing in {@code precision} (resolved, not {@code auto}).
     */
    public Model newInferenceModel(Device device, Precision precision) {
        Model model = Model.newInstance(name(), device, "PyTorch");
        try {
            model.setBlock(newInferenceBlock(model.getNDManager(), precision));
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Builds the network a manifest describes, with torchvision's input transform in front when
     * the manifest asks for it: the one place that decides the parameter names weights are stored
     * under.
     */
    public static InceptionNetwork network(
            ModelManifest manifest, Architecture architecture, int numClasses, boolean withAux) {
        InceptionNetwork network =
                architecture.build(numClasses, manifest.input().channels(), withAux);
        return manifest.transformsInput() ? TorchvisionInputTransform.prepend(network) : network;
    }

    /**
     * Initialises {@code block} on {@code manager}'s device and, when the artifact has weights,
     * overwrites every parameter with the stored value after checking checksum, names and shapes.
     */
    public void loadInto(Block block, NDManager manager) {
        block.initialize(manager, DataType.FLOAT32, inputShape(1));
        if (!hasWeights()) {
            return;
        }
        byte[] bytes = readWeights();
        try (NDManager scratch = manager.newSubManager()) {
            NDList stored;
            try {
                stored = NDList.decode(scratch, bytes);
            } catch (RuntimeException e) {
                throw new ModelArtifactException(
                        name,
                        "weights file " + manifest.weights().file() + " is not a DJL NDList encoding: "
                                + e.getMessage(),
                        e);
            }
            Map<String, NDArray> byName = new LinkedHashMap<>();
            stored.forEach(array -> byName.put(array.getName(), array));
            List<String> problems = new ArrayList<>();
            for (Pair<String, Parameter> entry : block.getParameters()) {
                NDArray value = byName.remove(entry.getKey());
                NDArray target = entry.getValue().getArray();
                if (value == null) {
                    problems.add("parameter '" + entry.getKey() + "' is missing from the weights");
                } else if (!value.getShape().equals(target.getShape())) {
                    problems.add("parameter '" + entry.getKey() + "' has shape " + value.getShape()
                            + " in the weights but the network expects " + target.getShape());
                } else {
                    try {
                        target.set(WeightStorage.decode(value, byName).toByteBuffer());
                    } catch (IllegalArgumentException e) {
                        problems.add("parameter '" + entry.getKey() + "' " + e.getMessage());
                    }
                }
            }
            byName.keySet()
                    .forEach(key -> problems.add(
                            "the weights hold parameter '" + key + "' that " + architecture.id() + " does not have"));
            if (!problems.isEmpty()) {
                throw new ModelArtifactException(name, String.join("; ", problems));
            }
        }
    }

    private byte[] readWeights() {
        String file = manifest.weights().file();
        byte[] bytes;
        try (InputStream in = openRequired(name, files, file)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new ModelArtifactException(name, "cannot read weights file " + file + ": " + e.getMessage(), e);
        }
        String actual = sha256(bytes);
        if (!actual.equals(manifest.weights().sha256())) {
            throw new ModelArtifactException(
                    name,
                    "weights file " + file + " has SHA-256 " + actual + " but the manifest expects "
                            + manifest.weights().sha256());
        }
        return bytes;
    }

    /**
     * Writes a model directory: the block's parameters (stored as {@code storage}, e.g. FLOAT16 to
     * halve the size), the labels and a manifest carrying the weights' checksum.
     */
    public static void write(
            Path directory, ModelManifest manifest, List<String> labels, Block block, WeightStorage storage)
            throws IOException {
        Files.createDirectories(directory);
        String weightsFile = "weights.ndlist";
        NDList arrays = new NDList();
        for (Pair<String, Parameter> entry : block.getParameters()) {
            arrays.addAll(storage.encode(entry.getKey(), entry.getValue().getArray()));
        }
        byte[] bytes = arrays.encode();
        arrays.close();
        Files.write(directory.resolve(weightsFile), bytes);
        Files.write(
                directory.resolve(manifest.labels()),
                String.join("\n", labels).concat("\n").getBytes(StandardCharsets.UTF_8));
        ModelManifest complete = manifest.withWeights(new ModelManifest.Weights(weightsFile, sha256(bytes)));
        writeManifest(directory, complete);
    }

    /** Writes {@code manifest.json} alone, e.g. for a model that has no weights yet. */
    public static void writeManifest(Path directory, ModelManifest manifest) throws IOException {
        try {
            JSON.writeValue(directory.resolve(MANIFEST).toFile(), manifest);
        } catch (JacksonException e) {
            throw new UncheckedIOException(new IOException(e.getMessage(), e));
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
