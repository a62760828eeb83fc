package io.inceptionserve.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.WeightStorage;
import io.inceptionserve.model.Architecture;
import io.inceptionserve.model.OfflineEngine;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Short real training runs on the real engine and real Fashion-MNIST images (the committed
 * {@link FashionMnistSample}, read as the {@code train} command reads Debian's files).
 */
class TrainingTest {

    private static final int SIZE = 32;

    /** Shared by the tests: the short run's model directory and checkpoints are looked at several times. */
    @TempDir
    static Path dir;

    private static TrainingResult shortRun;

    private static TrainingOptions options(Path out, Path checkpoints, String... more) {
        // One intra-op thread: OpenMP's busy-waiting makes two threads crawl when other processes share the cores.
        List<String> args = new ArrayList<>(List.of(
                "--model",
                "googlenet-bn",
                "--input-size",
                "" + SIZE,
                "--batch-size",
                "32",
                "--threads",
                "1",
                "--out",
                out.toString(),
                "--checkpoint-dir",
                checkpoints.toString(),
                "--fashion-mnist-dir",
                FashionMnistSample.DIR.toString()));
        args.addAll(List.of(more));
        return Cli.options(args.toArray(String[]::new));
    }

    private static TrainingResult train(TrainingOptions options) throws IOException {
        return Training.run(options, new PrintWriter(System.err, true), false);
    }

    @BeforeAll
    static void trainBriefly() throws IOException {
        shortRun = train(options(
                dir.resolve("model"),
                dir.resolve("checkpoints"),
                "--epochs",
                "3",
                "--limit-train",
                "512",
                "--limit-test",
                "500"));
    }

    @Test
    void aShortRunLearns() {
        List<EpochMetrics> history = shortRun.history();

        assertThat(history).extracting(EpochMetrics::epoch).containsExactly(1, 2, 3);
        assertThat(history.get(2).trainLoss()).isLessThan(history.get(0).trainLoss());
        assertThat(shortRun.finalEvaluation().top1()).isGreaterThan(0.2);
        assertThat(shortRun.finalEvaluation().top5())
                .isGreaterThan(shortRun.finalEvaluation().top1());
        assertThat(shortRun.finalEvaluation().confusion()).hasDimensions(10, 10);
        assertThat(Arrays.stream(shortRun.finalEvaluation().confusion())
                        .flatMapToInt(Arrays::stream)
                        .sum())
                .isEqualTo(500);
        // The final figures are the float16 weights as served; they classify as the trained network did.
        assertThat(shortRun.finalEvaluation().top1()).isCloseTo(history.get(2).testTop1(), within(3 / 500.0));
    }

    @Test
    void writesTheModelDirectoryAndItsReport() {
        Path model = dir.resolve("model");
        ModelArtifact artifact = ModelArtifact.open(model);

        assertThat(artifact.architecture()).isEqualTo(Architecture.GOOGLENET_BN);
        assertThat(artifact.labels()).isEqualTo(FashionMnist.CLASSES);
        assertThat(artifact.manifest().input().size()).isEqualTo(SIZE);
        assertThat(artifact.manifest().preprocessing().mean()).containsExactly(FashionMnist.MEAN);
        assertThat(artifact.manifest().description())
                .contains(
                        "Fashion-MNIST",
                        "3 epochs",
                        "stored as float16",
                        String.format(
                                java.util.Locale.ROOT,
                                "top-1 %.4f",
                                shortRun.finalEvaluation().top1()));
        assertThat(model.resolve("report"))
                .isDirectoryContaining("glob:**/summary.json")
                .isDirectoryContaining("glob:**/summary.md")
                .isDirectoryContaining("glob:**/loss.png")
                .isDirectoryContaining("glob:**/accuracy.png")
                .isDirectoryContaining("glob:**/confusion-matrix.png");
    }

    @Test
    void theServiceLoadsTheTrainedWeights() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray images = testImages(manager);
            Block trained = trainedNetwork(manager);
            NDArray expected = inferenceLogits(trained, images, manager);

            // As shipped: float16 weights, so the logits agree to float16 rounding.
            NDArray shipped = inferenceLogits(loadArtifact(dir.resolve("model"), manager), images, manager);
            assertThat(shipped.sub(expected).abs().max().getFloat())
                    .isLessThan(0.003f * Math.max(1f, expected.abs().max().getFloat()));
            assertThat(shipped.argMax(1).toLongArray())
                    .isEqualTo(expected.argMax(1).toLongArray());

            // Stored as float32, the service's network computes exactly the trained network's logits.
            Block inference = Architecture.GOOGLENET_BN.build(10, 1, false);
            inference.initialize(manager, DataType.FLOAT32, new Shape(1, 1, SIZE, SIZE));
            NetworkWeights.copyWithoutAux(trained, inference);
            Path exact = dir.resolve("float32-model");
            ModelArtifact.write(
                    exact,
                    ModelArtifact.open(dir.resolve("model")).manifest().withWeights(null),
                    FashionMnist.CLASSES,
                    inference,
                    WeightStorage.FLOAT32);
            NDArray loaded = inferenceLogits(loadArtifact(exact, manager), images, manager);
            assertThat(loaded.toFloatArray()).containsExactly(expected.toFloatArray());
        }
    }

    @Test
    void aResumedRunContinuesAfterTheLastCompleteCheckpoint() throws IOException {
        Path checkpoints = dir.resolve("resume-checkpoints");
        String[] quick = {"--limit-train", "128", "--limit-test", "64"};
        TrainingResult first = train(options(dir.resolve("first"), checkpoints, concat(quick, "--epochs", "2")));
        // A run killed while writing epoch 3: partial temporary files, and weights without a state file.
        Files.writeString(checkpoints.resolve("epoch-0003.json.tmp"), "{\"epoch\": 3, \"hist");
        Files.write(checkpoints.resolve("epoch-0003.ndlist.tmp"), new byte[] {1, 2, 3});
        Files.write(checkpoints.resolve("epoch-0003.ndlist"), new byte[] {4, 5, 6});

        TrainingResult resumed =
                train(options(dir.resolve("resumed"), checkpoints, concat(quick, "--epochs", "3", "--resume")));

        assertThat(resumed.firstEpochThisRun()).isEqualTo(3);
        assertThat(resumed.history()).hasSize(3);
        assertThat(resumed.history().subList(0, 2)).isEqualTo(first.history());
        try (Stream<Path> files = Files.list(checkpoints)) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .containsExactlyInAnyOrder("epoch-0003.json", "epoch-0003.ndlist");
        }
    }

    private static String[] concat(String[] first, String... second) {
        return Stream.concat(Arrays.stream(first), Arrays.stream(second)).toArray(String[]::new);
    }

    /** Sixteen Fashion-MNIST test images, prepared as in training. */
    private static NDArray testImages(NDManager manager) {
        float[][] images =
                FashionMnist.load(FashionMnistSample.DIR, SIZE, 1, 1, 16).test().images();
        float[] batch = new float[images.length * SIZE * SIZE];
        for (int i = 0; i < images.length; i++) {
            System.arraycopy(images[i], 0, batch, i * SIZE * SIZE, SIZE * SIZE);
        }
        return manager.create(batch, new Shape(images.length, 1, SIZE, SIZE));
    }

    /** The training network (aux heads included) as the last checkpoint of the short run holds it. */
    private static Block trainedNetwork(NDManager manager) throws IOException {
        OfflineEngine.pytorch();
        Block network = Architecture.GOOGLENET_BN.build(10, 1, true);
        network.initialize(manager, DataType.FLOAT32, new Shape(2, 1, SIZE, SIZE));
        NetworkWeights.decodeInto(
                network,
                Checkpoints.latest(dir.resolve("checkpoints")).orElseThrow().weights(),
                manager);
        return network;
    }

    private static Block loadArtifact(Path modelDir, NDManager manager) {
        ModelArtifact artifact = ModelArtifact.open(modelDir);
        Block block = artifact.newBlock();
        artifact.loadInto(block, manager);
        return block;
    }

    private static NDArray inferenceLogits(Block block, NDArray images, NDManager manager) {
        NDList outputs = block.forward(new ParameterStore(manager, false), new NDList(images), false);
        assertThat(outputs).hasSize(1);
        return outputs.singletonOrThrow();
    }
}
