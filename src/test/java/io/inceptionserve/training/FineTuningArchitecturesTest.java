package io.inceptionserve.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.importer.ImportCommand;
import io.inceptionserve.importer.PrecisionCheck;
import io.inceptionserve.importer.TorchReference;
import io.inceptionserve.model.Architecture;
import io.inceptionserve.model.Precision;
import io.inceptionserve.model.blocks.AuxiliaryClassifier;
import io.inceptionserve.model.blocks.InceptionNetwork;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --init-from} from each of the four architectures, as cheaply as it runs: two
 * classes of a few images, one epoch with the body trained too. The bundled googlenet and
 * inception-v2 start grey and small; torchvision's Inception-v3 (299 px RGB) is given as a
 * {@code .pth} and imported on the way; torchvision's GoogLeNet (224 px RGB) is imported first.
 * The torchvision weights are random (only that the run works and its output serves is checked
 * here; FineTuningTest measures what fine-tuning gains).
 */
class FineTuningArchitecturesTest {

    private static final List<String> CLASSES = List.of("bag", "sneaker");

    @TempDir
    static Path dir;

    private static Path photos;

    @BeforeAll
    static void writePhotos() throws IOException {
        photos = dir.resolve("photos");
        FashionMnist.Idx idx = FashionMnist.readIdx(FashionMnistSample.DIR, "train", null);
        int[] written = new int[CLASSES.size()];
        for (int i = 0; i < idx.labels().length; i++) {
            int label =
                    CLASSES.indexOf(FashionMnist.CLASSES.get(idx.labels()[i]).toLowerCase(Locale.ROOT));
            if (label < 0 || written[label] == 6) {
                continue;
            }
            String split = written[label]++ < 4 ? "train" : "test";
            Path folder = Files.createDirectories(photos.resolve(split).resolve(CLASSES.get(label)));
            ImageIO.write(idx.image(i), "png", folder.resolve(i + ".png").toFile());
        }
    }

    @Test
    void fromTheBundledGoogLeNet() throws IOException {
        fineTuneAndServe("googlenet", Architecture.GOOGLENET);
    }

    @Test
    void fromTheBundledInceptionV2() throws IOException {
        fineTuneAndServe("inception-v2", Architecture.INCEPTION_V2);
    }

    @Test
    void fromTorchvisionInceptionV3WeightsInOneStep() throws IOException {
        Path pth = TorchReference.networks().resolve("inception-v3.pth");
        fineTuneAndServe(pth.toString(), Architecture.INCEPTION_V3, "--model", "inception-v3");
    }

    @Test
    void fromAnImportedTorchvisionGoogLeNet() throws IOException {
        Path imported = dir.resolve("imported-googlenet");
        int exitCode = ImportCommand.run(
                "--arch",
                "googlenet-bn",
                "--from",
                TorchReference.networks().resolve("googlenet-bn.pth").toString(),
                "--out",
                imported.toString());
        assertThat(exitCode).isZero();
        fineTuneAndServe(imported.toString(), Architecture.GOOGLENET_BN);
    }

    @Test
    void aStateDictWithoutItsArchitectureIsRefused() throws IOException {
        Path pth = TorchReference.networks().resolve("inception-v3.pth");
        TrainCommandTest.Execution execution = TrainCommandTest.execute(
                "train",
                "--dataset",
                "folder",
                "--data-dir",
                photos.toString(),
                "--out",
                dir.resolve("refused").toString(),
                "--init-from",
                pth.toString());

        assertThat(execution.exitCode()).isEqualTo(1);
        assertThat(execution.err())
                .startsWith("train: ")
                .contains("does not say which network", "--model inception-v3")
                .doesNotContain("Exception", "\tat ");
    }

    /**
     * Fine-tunes from {@code initFrom}, then checks that every head, auxiliary ones included,
     * answers the folder's classes, that the input is the starting model's, and that the written
     * directory serves.
     */
    private static void fineTuneAndServe(String initFrom, Architecture architecture, String... more)
            throws IOException {
        String name = architecture.id() + "-" + Math.abs(initFrom.hashCode());
        Path out = dir.resolve(name);
        Path checkpoints = dir.resolve("checkpoints-" + name);
        List<String> args = new ArrayList<>(List.of(
                "--dataset",
                "folder",
                "--data-dir",
                photos.toString(),
                "--init-from",
                initFrom,
                "--epochs",
                "1",
                "--freeze-epochs",
                "0",
                "--validation-split",
                "0",
                "--batch-size",
                "4",
                "--threads",
                "1",
                "--out",
                out.toString(),
                "--checkpoint-dir",
                checkpoints.toString()));
        args.addAll(List.of(more));
        TrainingOptions options = Cli.options(args.toArray(String[]::new));
        ModelManifest start = options.initFrom().artifact().manifest();

        TrainingResult result = Training.run(options, new PrintWriter(System.err, true), false);

        ModelArtifact artifact = ModelArtifact.open(out);
        assertThat(artifact.architecture()).isEqualTo(architecture);
        assertThat(artifact.labels()).isEqualTo(CLASSES);
        assertThat(artifact.manifest().input()).isEqualTo(start.input());
        assertThat(artifact.manifest().transformInput()).isEqualTo(start.transformInput());
        assertThat(artifact.manifest().trainedOn()).contains("fine-tuned from " + initFrom);
        assertThat(result.testImages()).isEqualTo(4);
        assertAuxiliaryHeadsAnswerTheFoldersClasses(
                artifact.manifest(),
                architecture,
                Checkpoints.latest(checkpoints).orElseThrow().weights());
        // The written directory served in float32 and bfloat16; training ran the same check on it.
        PrecisionCheck.Result check = PrecisionCheck.runPrepared(out, testImages(artifact));
        assertThat(check.images()).isEqualTo(4);
        assertThat(artifact.manifest().precisionSetting())
                .isEqualTo(check.passes() ? Precision.AUTO : Precision.FLOAT32);
    }

    /**
     * The last checkpoint holds the training network, auxiliary heads included: it fits only a
     * network whose every head has the folder's class count.
     */
    private static void assertAuxiliaryHeadsAnswerTheFoldersClasses(
            ModelManifest manifest, Architecture architecture, byte[] checkpoint) {
        InceptionNetwork network = ModelArtifact.network(manifest, architecture, CLASSES.size(), true);
        int size = manifest.input().size();
        try (NDManager manager = NDManager.newBaseManager()) {
            network.initialize(
                    manager, DataType.FLOAT32, new Shape(1, manifest.input().channels(), size, size));
            NetworkWeights.decodeInto(network, checkpoint, manager);
        }
        assertThat(auxiliaryHeads(network)).isPositive();
    }

    private static int auxiliaryHeads(Block block) {
        if (block instanceof AuxiliaryClassifier) {
            return 1;
        }
        return block.getChildren().values().stream()
                .mapToInt(FineTuningArchitecturesTest::auxiliaryHeads)
                .sum();
    }

    /** The test folders' images, prepared as the service prepares uploads for {@code artifact}. */
    private static List<float[]> testImages(ModelArtifact artifact) throws IOException {
        ImagePreprocessor preprocessor = new ImagePreprocessor(artifact.manifest());
        List<float[]> images = new ArrayList<>();
        try (Stream<Path> files = Files.walk(photos.resolve("test"))) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                images.add(preprocessor.prepare(Files.readAllBytes(file)));
            }
        }
        return images;
    }
}
