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
import io.inceptionserve.inference.ImagePreprocessor;
import io.inceptionserve.inference.OfflineEngine;
import io.inceptionserve.importer.ImportCommandTest.Execution;
import io.inceptionserve.importer.TorchvisionImporter.Source;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
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
    private static final int RANDOM_INPUTS = 2;
    private static final Path IMAGE = Path.of("src/test/resources/images/pullover.jpg");

    /** torchvision_reference.py's checkpoints and logits, and the inputs they were computed on. */
    @TempDir
    static Path reference;

    @BeforeAll
    static void torchvisionOutputs() throws IOException {
        TorchReference.require();
        OfflineEngine.pytorch();
        for (Source source : Source.values()) {
            writeInputs(source);
        }
        TorchReference.run("networks", reference);
    }

    @ParameterizedTest
    @EnumSource(Source.class)
    void importedNetworkComputesTorchvisionsLogits(Source source, @TempDir Path out) throws IOException {
        String id = source.architecture().id();

        Execution execution = importCommand("--arch", id, "--from", reference.resolve(id + ".pth").toString(),
                "--out", out.toString());

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
        assertThat(artifact.labels()).hasSize(1000).startsWith("tench", "goldfish").endsWith("toilet tissue");

        float[][] actual = logits(artifact, source);
        float[][] expected = referenceLogits(source);
        float maxDifference = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDifference = Math.max(maxDifference, maxAbsDifference(actual[i], expected[i]));
            assertThat(topK(actual[i])).as("top-%d of input %d", TOP_K, i).isEqualTo(topK(expected[i]));
        }
        System.out.printf(Locale.ROOT, "%s: max |Δlogit| %.2e over %d inputs%n", id, maxDifference, expected.length);
        assertThat(maxDifference).isLessThanOrEqualTo(LOGIT_TOLERANCE);
    }

    @Test
    void legacyFormatGivesTheSameWeightsAsTheZipFormat(@TempDir Path zip, @TempDir Path legacy) throws IOException {
        importGoogLeNet("googlenet-bn.pth", zip);
        importGoogLeNet("googlenet-bn-legacy.pth", legacy);

        assertThat(ModelArtifact.open(legacy).manifest().weights().sha256())
                .isEqualTo(ModelArtifact.open(zip).manifest().weights().sha256());
    }

    @Test
    void halfPrecisionStorageKeepsEveryTopPrediction(@TempDir Path full, @TempDir Path half) throws IOException {
        importGoogLeNet("googlenet-bn.pth", full);
        importGoogLeNet("googlenet-bn.pth", half, "--storage", "float16");

        float[][] actual = logits(ModelArtifact.open(half), Source.GOOGLENET);
        float[][] expected = referenceLogits(Source.GOOGLENET);
        float maxDifference = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDifference = Math.max(maxDifference, maxAbsDifference(actual[i], expected[i]));
            assertThat(topK(actual[i]).get(0)).as("top-1 of input %d", i).isEqualTo(topK(expected[i]).get(0));
        }
        System.out.printf(Locale.ROOT, "googlenet-bn float16: max |Δlogit| %.2e%n", maxDifference);
        assertThat(Files.size(half.resolve("weights.ndlist")))
                .isLessThan(Files.size(full.resolve("weights.ndlist")) * 6 / 10);
    }

    @Test
    void aCheckpointThatDoesNotFitListsEveryMismatch(@TempDir Path out) {
        Execution execution = importCommand("--arch", "googlenet-bn",
                "--from", reference.resolve("googlenet-bn-doctored.pth").toString(), "--out", out.toString());

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

        Execution execution = importCommand("--arch", "googlenet-bn",
                "--from", reference.resolve("googlenet-bn.pth").toString(), "--out", out.toString(),
                "--labels", labels.toString());

        assertThat(execution.exitCode()).isEqualTo(1);
        // The auxiliary heads are checked as well, though the served network drops them.
        assertThat(execution.err())
                .contains("with 2 classes")
                .contains("6 mis-shaped: ")
                .contains("fc.weight is [1000, 1024] in the file, [2, 1024] in the network")
                .contains("aux1.fc2.bias is [1000] in the file, [2] in the network");
    }

    private static void importGoogLeNet(String checkpoint, Path out, String... options) {
        List<String> args = new ArrayList<>(List.of("--arch", "googlenet-bn",
                "--from", reference.resolve(checkpoint).toString(), "--out", out.toString()));
        args.addAll(List.of(options));
        Execution execution = importCommand(args.toArray(String[]::new));
        assertThat(execution.exitCode()).as(execution.err()).isZero();
    }

    /** Two standard-normal tensors and a photo prepared the way the service prepares uploads. */
    private static void writeInputs(Source source) throws IOException {
        ImagePreprocessor preprocessor =
                new ImagePreprocessor(TorchvisionImporter.manifest(source, "reference", null, true));
        int length = preprocessor.tensorLength();
        ByteBuffer inputs = ByteBuffer.allocate((RANDOM_INPUTS + 1) * length * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        Random random = new Random(source.ordinal());
        for (int i = 0; i < RANDOM_INPUTS * length; i++) {
            inputs.putFloat((float) random.nextGaussian());
        }
        for (float value : preprocessor.prepare(Files.readAllBytes(IMAGE))) {
            inputs.putFloat(value);
        }
        Files.write(reference.resolve(source.architecture().id() + ".input.f32"), inputs.array());
    }

    /** The served network's logits for the inputs of {@link #writeInputs}, one row per input. */
    private static float[][] logits(ModelArtifact artifact, Source source) throws IOException {
        int size = source.inputSize();
        float[] inputs = readFloats(reference.resolve(source.architecture().id() + ".input.f32"));
        try (NDManager manager = NDManager.newBaseManager()) {
            Block block = artifact.newBlock();
            artifact.loadInto(block, manager);
            NDList output = block.forward(new ParameterStore(manager, false),
                    new NDList(manager.create(inputs, new Shape(inputs.length / (3 * size * size), 3, size, size))),
                    false);
            return rows(output.singletonOrThrow().toFloatArray(), artifact.labels().size());
        }
    }

    private static float[][] referenceLogits(Source source) throws IOException {
        return rows(readFloats(reference.resolve(source.architecture().id() + ".logits.f32")), 1000);
    }

    private static float[] readFloats(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    private static float[][] rows(float[] values, int columns) {
        float[][] rows = new float[values.length / columns][columns];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(values, i * columns, rows[i], 0, columns);
        }
        return rows;
    }

    private static float maxAbsDifference(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static List<Integer> topK(float[] logits) {
        return IntStream.range(0, logits.length)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> logits[i]).reversed())
                .limit(TOP_K)
                .toList();
    }
}
