package io.inceptionserve.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.inceptionserve.model.Architecture;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.model.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelArtifactTest {

    static final List<String> LABELS = List.of("cat", "dog", "bird");

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        OfflineEngine.pytorch();
    }

    static ModelManifest manifest(String architecture, int size) {
        return new ModelManifest(
                "pets",
                architecture,
                "test model",
                "labels.txt",
                new ModelManifest.Input(size, 1),
                new ModelManifest.Preprocessing(
                        ModelManifest.ResizePolicy.STRETCH, size, new float[] {0.5f}, new float[] {0.25f}),
                null);
    }

    /** Writes a randomly initialised googlenet-bn as an artifact and returns its block. */
    private Block writeRandomModel(NDManager manager, WeightStorage storage) throws IOException {
        Block block = Architecture.GOOGLENET_BN.build(LABELS.size(), 1, false);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 64, 64));
        ModelArtifact.write(dir, manifest("googlenet-bn", 64), LABELS, block, storage);
        return block;
    }

    @Test
    void savedWeightsLoadBackExactly() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block saved = writeRandomModel(manager, WeightStorage.FLOAT32);

            ModelArtifact artifact = ModelArtifact.open(dir);
            Block loaded = artifact.newBlock();
            artifact.loadInto(loaded, manager);

            assertThat(artifact.labels()).isEqualTo(LABELS);
            assertThat(artifact.hasWeights()).isTrue();
            var expected = saved.getParameters();
            var actual = loaded.getParameters();
            assertThat(actual.keys()).isEqualTo(expected.keys());
            for (int i = 0; i < expected.size(); i++) {
                NDArray a = expected.valueAt(i).getArray();
                NDArray b = actual.valueAt(i).getArray();
                assertThat(b.contentEquals(a)).as(expected.keyAt(i)).isTrue();
            }
        }
    }

    @Test
    void halfPrecisionStorageLoadsWithinFloat16Rounding() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block saved = writeRandomModel(manager, WeightStorage.FLOAT16);

            forEachParameter(saved, loadBack(manager), (name, a, b) -> {
                assertThat(b.getDataType()).isEqualTo(DataType.FLOAT32);
                assertThat(a.allClose(b, 1e-3, 1e-4, false)).as(name).isTrue();
            });
        }
    }

    @Test
    void eightBitStorageLoadsWithinHalfAStepOfEachChannelsScale() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            long float32Bytes = Files.size(writeRandomModelFile(manager, WeightStorage.FLOAT32));
            Block saved = writeRandomModel(manager, WeightStorage.INT8);

            assertThat(Files.size(dir.resolve("weights.ndlist"))).isLessThan(float32Bytes * 3 / 10);
            forEachParameter(saved, loadBack(manager), (name, a, b) -> {
                if (a.getShape().dimension() < 2) {
                    assertThat(a.allClose(b, 1e-3, 1e-4, false)).as(name).isTrue();
                    return;
                }
                long channels = a.getShape().get(0);
                NDArray halfStep =
                        a.reshape(channels, -1).abs().max(new int[] {1}, true).div(127f * 2);
                NDArray error = a.sub(b).abs().reshape(channels, -1);
                assertThat(error.lte(halfStep.add(1e-6f)).all().getBoolean())
                        .as(name)
                        .isTrue();
                assertThat(error.sum().getFloat())
                        .as("%s is not stored exactly", name)
                        .isPositive();
            });
        }
    }

    @Test
    void anEightBitWeightWithoutItsScalesIsRefused() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            writeRandomModel(manager, WeightStorage.INT8);
            Path weights = dir.resolve("weights.ndlist");
            NDList stored = NDList.decode(manager, Files.readAllBytes(weights));
            NDList withoutScales = new NDList();
            stored.stream()
                    .filter(array -> !array.getName().endsWith(WeightStorage.SCALE_SUFFIX))
                    .forEach(withoutScales::add);
            byte[] bytes = withoutScales.encode();
            Files.write(weights, bytes);
            ModelManifest manifest = ModelArtifact.open(dir).manifest();
            ModelArtifact.writeManifest(
                    dir,
                    manifest.withWeights(new ModelManifest.Weights("weights.ndlist", ModelArtifact.sha256(bytes))));

            ModelArtifact artifact = ModelArtifact.open("pets", ArtifactFiles.of(dir));
            assertThatThrownBy(() -> artifact.loadInto(artifact.newBlock(), manager))
                    .isInstanceOf(ModelArtifactException.class)
                    .hasMessageContaining("is stored as int8 without its 64 per-channel scales");
        }
    }

    /** The artifact in {@code dir} loaded into a new block. */
    private Block loadBack(NDManager manager) {
        ModelArtifact artifact = ModelArtifact.open(dir);
        Block loaded = artifact.newBlock();
        artifact.loadInto(loaded, manager);
        return loaded;
    }

    interface ParameterCheck {
        void check(String name, NDArray saved, NDArray loaded);
    }

    private static void forEachParameter(Block saved, Block loaded, ParameterCheck check) {
        var expected = saved.getParameters();
        for (int i = 0; i < expected.size(); i++) {
            check.check(
                    expected.keyAt(i),
                    expected.valueAt(i).getArray(),
                    loaded.getParameters().valueAt(i).getArray());
        }
    }

    private Path writeRandomModelFile(NDManager manager, WeightStorage storage) throws IOException {
        writeRandomModel(manager, storage);
        Path copy = Files.createTempFile(dir, "weights", ".ndlist");
        Files.copy(dir.resolve("weights.ndlist"), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    @Test
    void aBadChecksumStopsTheModelNamingIt() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            writeRandomModel(manager, WeightStorage.FLOAT16);
            Path weights = dir.resolve("weights.ndlist");
            byte[] bytes = Files.readAllBytes(weights);
            bytes[bytes.length / 2] ^= 1;
            Files.write(weights, bytes);

            ModelArtifact artifact = ModelArtifact.open("pets", ArtifactFiles.of(dir));
            assertThatThrownBy(() -> artifact.loadInto(artifact.newBlock(), manager))
                    .isInstanceOf(ModelArtifactException.class)
                    .hasMessageContaining("model 'pets'")
                    .hasMessageContaining("weights.ndlist has SHA-256");
        }
    }

    @Test
    void aMissingWeightsFileStopsTheModel() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            writeRandomModel(manager, WeightStorage.FLOAT16);
            Files.delete(dir.resolve("weights.ndlist"));

            ModelArtifact artifact = ModelArtifact.open("pets", ArtifactFiles.of(dir));
            assertThatThrownBy(() -> artifact.loadInto(artifact.newBlock(), manager))
                    .hasMessageContaining("model 'pets'")
                    .hasMessageContaining("file weights.ndlist is missing");
        }
    }

    @Test
    void aShapeMismatchNamesTheParameter() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            writeRandomModel(manager, WeightStorage.FLOAT16);
            // Same weights, one more class: the classifier's shape no longer fits.
            Files.writeString(dir.resolve("labels.txt"), "cat\ndog\nbird\nfish\n");

            ModelArtifact artifact = ModelArtifact.open("pets", ArtifactFiles.of(dir));
            assertThatThrownBy(() -> artifact.loadInto(artifact.newBlock(), manager))
                    .hasMessageContaining("model 'pets'")
                    .hasMessageMatching(
                            "(?s).*parameter '[^']*fc[^']*' has shape \\(3, 1024\\) in the weights but the network expects \\(4, 1024\\).*");
        }
    }

    @Test
    void weightsOfAnotherArchitectureAreRefused() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            writeRandomModel(manager, WeightStorage.FLOAT16);
            Path manifestFile = dir.resolve(ModelArtifact.MANIFEST);
            Files.writeString(
                    manifestFile, Files.readString(manifestFile).replace("\"googlenet-bn\"", "\"googlenet\""));

            ModelArtifact artifact = ModelArtifact.open("pets", ArtifactFiles.of(dir));
            assertThatThrownBy(() -> artifact.loadInto(artifact.newBlock(), manager))
                    .hasMessageContaining("model 'pets'")
                    .hasMessageContaining("is missing from the weights")
                    .hasMessageContaining("that googlenet does not have");
        }
    }

    @Test
    void manifestProblemsAreListed() throws IOException {
        Files.writeString(dir.resolve(ModelArtifact.MANIFEST), """
                {"architecture": "googlenet", "labels": "../etc/passwd",
                 "input": {"size": 64, "channels": 2},
                 "preprocessing": {"resize": "STRETCH", "resizeTo": 64, "mean": [0.5], "std": [0]}}
                """);

        assertThatThrownBy(() -> ModelArtifact.open("bad", ArtifactFiles.of(dir)))
                .isInstanceOf(ModelArtifactException.class)
                .hasMessageContaining("model 'bad'")
                .hasMessageContaining("'labels' must be a plain file name")
                .hasMessageContaining("'input.channels' must be 1 or 3")
                .hasMessageContaining("'preprocessing.std' values must be positive");
    }

    @Test
    void unknownArchitectureAndMissingManifestAreReported() throws IOException {
        assertThatThrownBy(() -> ModelArtifact.open("none", ArtifactFiles.of(dir)))
                .hasMessageContaining("model 'none': file manifest.json is missing");

        ModelArtifact.writeManifest(dir, manifest("resnet-50", 64));
        Files.writeString(dir.resolve("labels.txt"), "a\nb\n");
        assertThatThrownBy(() -> ModelArtifact.open("none", ArtifactFiles.of(dir)))
                .hasMessageContaining("model 'none'")
                .hasMessageContaining("resnet-50");
    }

    @Test
    void theManifestsPrecisionIsReadAndAnUnknownOneIsRefused() throws IOException {
        Files.writeString(dir.resolve("labels.txt"), "a\nb\n");
        String manifest = """
                {"architecture": "googlenet", "labels": "labels.txt", "input": {"size": 64, "channels": 1},
                 "preprocessing": {"resize": "STRETCH", "resizeTo": 64, "mean": [0.5], "std": [0.25]},
                 "precision": "%s"}
                """;
        Files.writeString(dir.resolve(ModelArtifact.MANIFEST), manifest.formatted("float32"));
        assertThat(ModelArtifact.open("kept", ArtifactFiles.of(dir)).manifest().precisionSetting())
                .isEqualTo(Precision.FLOAT32);

        ModelArtifact.writeManifest(dir, manifest("googlenet", 64));
        assertThat(ModelArtifact.open("unsaid", ArtifactFiles.of(dir))
                        .manifest()
                        .precisionSetting())
                .isEqualTo(Precision.AUTO);
        assertThat(Files.readString(dir.resolve(ModelArtifact.MANIFEST))).doesNotContain("precision");

        Files.writeString(dir.resolve(ModelArtifact.MANIFEST), manifest.formatted("double"));
        assertThatThrownBy(() -> ModelArtifact.open("odd", ArtifactFiles.of(dir)))
                .isInstanceOf(ModelArtifactException.class)
                .hasMessageContaining("model 'odd'")
                .hasMessageContaining("precision must be one of [auto, float32, bfloat16, float16], was 'double'");
    }

    @Test
    void labelsAreBoundedInCountAndLength() throws IOException {
        ModelArtifact.writeManifest(dir, manifest("googlenet", 64));
        Files.writeString(dir.resolve("labels.txt"), "cat\n" + "x".repeat(ModelArtifact.MAX_LABEL_LENGTH) + "\n");
        assertThat(ModelArtifact.open("longest", ArtifactFiles.of(dir)).labels())
                .hasSize(2);

        Files.writeString(dir.resolve("labels.txt"), "cat\n" + "x".repeat(ModelArtifact.MAX_LABEL_LENGTH + 1) + "\n");
        assertThatThrownBy(() -> ModelArtifact.open("long", ArtifactFiles.of(dir)))
                .isInstanceOf(ModelArtifactException.class)
                .hasMessageContaining("model 'long'")
                .hasMessageContaining("label 2 has 257 characters; at most 256 are served");

        Files.writeString(dir.resolve("labels.txt"), "c\n".repeat(ModelArtifact.MAX_LABELS + 1));
        assertThatThrownBy(() -> ModelArtifact.open("many", ArtifactFiles.of(dir)))
                .isInstanceOf(ModelArtifactException.class)
                .hasMessageContaining("lists 100001 classes; at most 100000 are served");

        Files.write(dir.resolve("labels.txt"), new byte[(8 << 20) + 1]);
        assertThatThrownBy(() -> ModelArtifact.open("huge", ArtifactFiles.of(dir)))
                .isInstanceOf(ModelArtifactException.class)
                .hasMessageContaining("is over 8388608 bytes");
    }
}
