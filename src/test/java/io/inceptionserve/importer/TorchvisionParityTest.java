package io.inceptionserve.importer;

import static io.inceptionserve.importer.ImportCommandTest.importCommand;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.artifact.WeightStorage;
import io.inceptionserve.importer.ImportCommandTest.Execution;
import io.inceptionserve.importer.TorchvisionImporter.Source;
import io.inceptionserve.model.OfflineEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Imports state_dicts of torchvision's own googlenet and inception_v3 (random weights and
 * BatchNorm statistics, transform_input on, 1000 classes) and checks that the served network
 * computes torchvision's eval-mode logits on the same inputs.
 */
class TorchvisionParityTest {

    private static final float LOGIT_TOLERANCE = 1e-3f;
    private static final int TOP_K = 5;

    private static Path reference;

    @BeforeAll
    static void torchvisionOutputs() throws IOException {
        reference = TorchReference.networks();
        OfflineEngine.pytorch();
    }

    @ParameterizedTest
    @EnumSource(Source.class)
    void importedNetworkComputesTorchvisionsLogits(Source source, @TempDir Path out) throws IOException {
        String id = source.architecture().id();

        Execution execution = importCommand(
                "--arch", id, "--from", reference.resolve(id + ".pth").toString(), "--out", out.toString());

        assertThat(execution.exitCode()).as(execution.err()).isZero();
        assertThat(execution.out()).contains("--inception.models." + out.getFileName() + "=file:" + out + "/");
        ModelArtifact artifact = ModelArtifact.open(out);
        ModelManifest manifest = artifact.manifest();
        assertThat(manifest.architecture()).isEqualTo(id);
        assertThat(manifest.transformsInput()).isTrue();
        assertThat(manifest.input()).isEqualTo(new ModelManifest.Input(source.inputSize(), 3));
        assertThat(manifest.preprocessing().resize()).isEqualTo(ModelManifest.ResizePolicy.SHORTER_SIDE);
        assertThat(manifest.preprocessing().resizeTo()).isEqualTo(source == Source.GOOGLENET ? 256 : 342);
        assertThat(manifest.preprocessing().mean()).containsExactly(0.485f, 0.456f, 0.406f);
        assertThat(manifest.preprocessing().std()).containsExactly(0.229f, 0.224f, 0.225f);
        assertThat(artifact.labels())
                .hasSize(1000)
                .startsWith("tench", "goldfish")
                .endsWith("toilet tissue");

        float maxDifference = compareTopClasses(logits(artifact, source), TorchReference.logits(source), TOP_K);
        System.out.printf(Locale.ROOT, "%s: max |Δlogit| %.2e%n", id, maxDifference);
        assertThat(maxDifference).isLessThanOrEqualTo(LOGIT_TOLERANCE);
    }

    @Test
    void legacyFormatHoldsTheSameTensorsAsTheZipFormat() throws IOException {
        Map<String, TorchTensor> zip = PthFile.readStateDict(reference.resolve("googlenet-bn.pth"));
        Map<String, TorchTensor> legacy = PthFile.readStateDict(reference.resolve("googlenet-bn-legacy.pth"));

        assertThat(legacy.keySet()).isEqualTo(zip.keySet());
        for (String key : zip.keySet()) {
            if (zip.get(key).type().isFloatingPoint()) {
                assertThat(legacy.get(key).toFloats())
                        .as(key)
                        .isEqualTo(zip.get(key).toFloats());
            }
        }
    }

    @Test
    void halfPrecisionStorageHalvesTheWeightsAndKeepsTheTopClassOfEveryInput(@TempDir Path out) throws IOException {
        TorchvisionImporter.Result result = TorchvisionImporter.importCheckpoint(
                Source.GOOGLENET,
                reference.resolve("googlenet-bn.pth"),
                out,
                "half",
                TorchvisionImporter.imagenetLabels(),
                true,
                WeightStorage.FLOAT16);

        // Two bytes a value, plus each tensor's name (DJL's, some 60 characters) and shape.
        assertThat(result.weightsBytes()).isBetween(2 * result.values(), 2 * result.values() + 200L * result.tensors());
        float maxDifference = compareTopClasses(
                logits(ModelArtifact.open(out), Source.GOOGLENET), TorchReference.logits(Source.GOOGLENET), 1);
        System.out.printf(Locale.ROOT, "googlenet-bn float16: max |Δlogit| %.2e%n", maxDifference);
    }

    @Test
    void aCheckpointThatDoesNotFitListsEveryMismatch(@TempDir Path out) {
        Execution execution = importCommand(
                "--arch",
                "googlenet-bn",
                "--from",
                reference.resolve("googlenet-bn-doctored.pth").toString(),
                "--out",
                out.toString());

        assertThat(execution.exitCode()).isEqualTo(1);
        assertThat(execution.err())
                .contains("googlenet-bn-doctored.pth does not fit googlenet-bn with 1000 classes")
                .contains("1 missing: inception3a.branch1.conv.weight\n")
                .contains("1 unexpected: inception3a.branch5.conv.weight\n")
                .contains("1 mis-shaped: fc.bias is [999] in the file, [1000] in the network");
        assertThat(out.resolve(ModelArtifact.MANIFEST)).doesNotExist();
    }

    @Test
    void otherClassNamesMustMatchTheCheckpointsClassifiers(@TempDir Path out, @TempDir Path classes)
            throws IOException {
        Path labels = Files.write(classes.resolve("labels.txt"), List.of("cat", "dog"));

        Execution execution = importCommand(
                "--arch",
                "googlenet-bn",
                "--from",
                reference.resolve("googlenet-bn.pth").toString(),
                "--out",
                out.toString(),
                "--labels",
                labels.toString());

        assertThat(execution.exitCode()).isEqualTo(1);
        // The auxiliary heads are checked as well, though the served network drops them.
        assertThat(execution.err())
                .contains("with 2 classes")
                .contains("6 mis-shaped: ")
                .contains("fc.weight is [1000, 1024] in the file, [2, 1024] in the network")
                .contains("aux1.fc2.bias is [1000] in the file, [2] in the network");
    }

    /** The served network's logits for the inputs of {@link #writeInputs}, one row per input. */
    private static float[][] logits(ModelArtifact artifact, Source source) throws IOException {
        int size = source.inputSize();
        float[] inputs = TorchReference.inputs(source);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block block = artifact.newBlock();
            artifact.loadInto(block, manager);
            NDList output = block.forward(
                    new ParameterStore(manager, false),
                    new NDList(manager.create(inputs, new Shape(inputs.length / (3 * size * size), 3, size, size))),
                    false);
            return TorchReference.rows(
                    output.singletonOrThrow().toFloatArray(), artifact.labels().size());
        }
    }

    /** Asserts that every input has the same top {@code k} classes, in order; returns the largest logit difference. */
    private static float compareTopClasses(float[][] actual, float[][] expected, int k) {
        assertThat(actual.length).isEqualTo(expected.length);
        float max = 0;
        for (int i = 0; i < expected.length; i++) {
            assertThat(top(actual[i], k)).as("top-%d classes of input %d", k, i).isEqualTo(top(expected[i], k));
            for (int j = 0; j < expected[i].length; j++) {
                max = Math.max(max, Math.abs(actual[i][j] - expected[i][j]));
            }
        }
        return max;
    }

    private static List<Integer> top(float[] logits, int k) {
        return IntStream.range(0, logits.length)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> logits[i]).reversed())
                .limit(k)
                .toList();
    }
}
