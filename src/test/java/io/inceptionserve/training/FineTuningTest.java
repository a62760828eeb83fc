package io.inceptionserve.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.model.Architecture;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning the bundled googlenet-bn onto classes it was never trained to answer, against the
 * same network trained from scratch on the same images for the same epochs. The classes regroup
 * Fashion-MNIST's (the committed sample's 512 training images) into tops, footwear and other,
 * written as PNG folders as a team's photos would be, one file in them not an image.
 */
class FineTuningTest {

    private static final List<String> GROUPS = List.of("footwear", "other", "tops");

    @TempDir
    static Path dir;

    private static Path photos;
    private static TrainingResult fineTuned;
    private static TrainingResult fromScratch;

    /** The group of each Fashion-MNIST class, in its label order. */
    private static String group(int fashionLabel) {
        return switch (FashionMnist.CLASSES.get(fashionLabel)) {
            case "T-shirt/top", "Pullover", "Coat", "Shirt" -> "tops";
            case "Sandal", "Sneaker", "Ankle boot" -> "footwear";
            default -> "other";
        };
    }

    private static List<String> common(Path out) {
        return new ArrayList<>(List.of(
                "--dataset",
                "folder",
                "--data-dir",
                photos.toString(),
                "--epochs",
                "3",
                "--batch-size",
                "32",
                "--threads",
                "1",
                "--seed",
                "1",
                "--out",
                out.toString(),
                "--checkpoint-dir",
                dir.resolve("checkpoints-" + out.getFileName()).toString()));
    }

    private static TrainingResult train(List<String> args) throws IOException {
        return Training.run(Cli.options(args.toArray(String[]::new)), new PrintWriter(System.err, true), false);
    }

    @BeforeAll
    static void trainBothWays() throws IOException {
        photos = dir.resolve("photos");
        FashionMnist.Idx idx = FashionMnist.readIdx(FashionMnistSample.DIR, "train", null);
        for (int i = 0; i < idx.labels().length; i++) {
            Path folder = Files.createDirectories(photos.resolve(group(idx.labels()[i])));
            ImageIO.write(
                    idx.image(i),
                    "png",
                    folder.resolve(String.format(Locale.ROOT, "%04d.png", i)).toFile());
        }
        Files.writeString(photos.resolve("tops").resolve("9999.png"), "not a PNG");

        List<String> fineTuning = common(dir.resolve("fine-tuned"));
        fineTuning.addAll(List.of("--init-from", "googlenet-bn"));
        fineTuned = train(fineTuning);

        List<String> scratch = common(dir.resolve("scratch"));
        scratch.addAll(List.of(
                "--model", "googlenet-bn", "--channels", "1", "--input-size", "64", "--validation-split", "0.15"));
        fromScratch = train(scratch);
    }

    @Test
    void fineTuningBeatsTrainingFromScratchOnTheSameImagesAndEpochs() {
        double tuned = fineTuned.finalEvaluation().top1();
        double scratch = fromScratch.finalEvaluation().top1();
        System.err.printf(
                Locale.ROOT,
                "fine-tuned top-1 %.4f, from scratch %.4f (%d test images)%n",
                tuned,
                scratch,
                fineTuned.testImages());

        assertThat(fineTuned.trainImages()).isEqualTo(fromScratch.trainImages());
        assertThat(tuned).isGreaterThan(0.85);
        assertThat(tuned - scratch).isGreaterThan(0.08);
    }

    @Test
    void writesAServedModelThatSaysWhatItKnowsAndWhereItCameFrom() {
        ModelArtifact artifact = ModelArtifact.open(dir.resolve("fine-tuned"));

        assertThat(artifact.architecture()).isEqualTo(Architecture.GOOGLENET_BN);
        assertThat(artifact.labels()).isEqualTo(GROUPS);
        assertThat(artifact.manifest().input().size()).isEqualTo(64);
        assertThat(artifact.manifest().input().channels()).isEqualTo(1);
        assertThat(artifact.manifest().preprocessing().resize())
                .isEqualTo(io.inceptionserve.artifact.ModelManifest.ResizePolicy.STRETCH);
        assertThat(artifact.manifest().trainedOn())
                .contains("fine-tuned from googlenet-bn", "1 unreadable file(s) skipped");
        assertThat(artifact.manifest().accuracy().top1())
                .isEqualTo(fineTuned.finalEvaluation().top1());
        assertThat(fineTuned.startedFrom()).startsWith("googlenet-bn (googlenet-bn, 10 classes");
        assertThat(fineTuned.trainCountsPerClass()).hasSize(3).doesNotContain(0);
    }

    /** {@code train} on a folder, with {@code more} options. */
    private static TrainCommandTest.Execution trainOn(Path data, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "train",
                "--dataset",
                "folder",
                "--data-dir",
                data.toString(),
                "--out",
                dir.resolve("x").toString()));
        args.addAll(List.of(more));
        return TrainCommandTest.execute(args.toArray(String[]::new));
    }

    private static void assertRefused(TrainCommandTest.Execution execution, String... messageParts) {
        assertThat(execution.exitCode()).isEqualTo(1);
        assertThat(execution.err()).startsWith("train: ").contains(messageParts).doesNotContain("Exception", "\tat ");
    }

    @Test
    void anEmptyClassFolderIsNamed() throws IOException {
        Path data = dir.resolve("empty-class");
        Files.createDirectories(data.resolve("cats"));
        Files.copy(
                photos.resolve("other").resolve("0003.png"),
                Files.createDirectories(data.resolve("dogs")).resolve("a.png"));
        assertRefused(trainOn(data, "--init-from", "googlenet-bn"), "class folder", "cats", "holds no images");
    }

    @Test
    void aSingleClassIsRefused() throws IOException {
        Path data = dir.resolve("one-class");
        Files.createDirectories(data.resolve("cats"));
        assertRefused(trainOn(data, "--init-from", "googlenet-bn"), "at least 2; found 1");
    }

    @Test
    void aStartingModelThatCannotBeFineTunedIsRefused() throws IOException {
        assertRefused(trainOn(photos, "--init-from", "resnet-50"), "neither a model directory, a .pth state_dict nor");
        assertRefused(trainOn(photos, "--init-from", "weights.pth"), "weights.pth is not a file");
        Path untrained = dir.resolve("untrained");
        ModelArtifact.writeManifest(
                Files.createDirectories(untrained),
                ModelArtifact.open(dir.resolve("fine-tuned")).manifest().withWeights(null));
        Files.copy(dir.resolve("fine-tuned").resolve("labels.txt"), untrained.resolve("labels.txt"));
        assertRefused(trainOn(photos, "--init-from", untrained.toString()), "cannot be fine-tuned", "no weights file");
    }

    @Test
    void aChannelMismatchIsRefused() {
        assertRefused(
                trainOn(photos, "--init-from", "googlenet-bn", "--channels", "3"),
                "--channels 3 does not fit",
                "1 channel(s) (grey)");
    }
}
