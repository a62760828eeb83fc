package io.inceptionserve.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inceptionserve.Commands;
import io.inceptionserve.artifact.WeightStorage;
import io.inceptionserve.model.Architecture;
import io.inceptionserve.training.TrainingOptions.DatasetKind;
import io.inceptionserve.training.TrainingOptions.LrSchedule;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TrainCommandTest {

    @TempDir
    Path dir;

    record Execution(int exitCode, String err) {}

    static Execution execute(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = Commands.commandLine();
        cli.setErr(new PrintWriter(err, true));
        return new Execution(cli.execute(args), err.toString());
    }

    @Test
    void resolvesTheDefaults() {
        TrainingOptions options = Cli.options("--model", "inception-v2", "--out", "models/v2");

        assertThat(options.architecture()).isEqualTo(Architecture.INCEPTION_V2);
        assertThat(options.dataset()).isEqualTo(DatasetKind.FASHION_MNIST);
        assertThat(options.fashionMnistDir()).isEqualTo(Path.of("/usr/share/datasets/fashion-mnist"));
        assertThat(options.inputSize()).isEqualTo(80);
        assertThat(options.channels()).isEqualTo(1);
        assertThat(options.epochs()).isEqualTo(12);
        assertThat(options.batchSize()).isEqualTo(128);
        assertThat(options.learningRate()).isEqualTo(1e-3f);
        assertThat(options.lrSchedule()).isEqualTo(LrSchedule.STEP);
        assertThat(options.lrDecayEpochs()).isEqualTo(8);
        assertThat(options.lrDecayFactor()).isEqualTo(0.96f);
        assertThat(options.labelSmoothing()).isEqualTo(0.1f);
        assertThat(options.auxWeight()).isEqualTo(0.3f);
        assertThat(options.name()).isEqualTo("inception-v2");
        assertThat(options.checkpointDir())
                .isEqualTo(Path.of(
                        System.getProperty("user.home"),
                        ".inception-serve",
                        "checkpoints",
                        "inception-v2-fashion-mnist-80"));
        assertThat(options.resume()).isFalse();
        assertThat(options.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void parsesEveryOption() {
        TrainingOptions options = Cli.options(
                "--model",
                "googlenet-bn",
                "--dataset",
                "folder",
                "--data-dir",
                "pics",
                "--split",
                "0.75",
                "--input-size",
                "96",
                "--epochs",
                "3",
                "--batch-size",
                "64",
                "--lr",
                "0.01",
                "--lr-schedule",
                "cosine",
                "--label-smoothing",
                "0.2",
                "--aux-weight",
                "0.5",
                "--augment",
                "crop-flip",
                "--seed",
                "7",
                "--limit-train",
                "100",
                "--limit-test",
                "50",
                "--out",
                "m",
                "--name",
                "clothes",
                "--storage",
                "int8",
                "--checkpoint-dir",
                "ck",
                "--resume",
                "--threads",
                "1");

        assertThat(options)
                .isEqualTo(new TrainingOptions(
                        Architecture.GOOGLENET_BN,
                        DatasetKind.FOLDER,
                        Path.of("pics"),
                        Path.of("/usr/share/datasets/fashion-mnist"),
                        0.75,
                        96,
                        3,
                        3,
                        64,
                        0.01f,
                        LrSchedule.COSINE,
                        8,
                        0.96f,
                        0.2f,
                        0.5f,
                        Augmentation.CROP_FLIP,
                        7,
                        100,
                        50,
                        Path.of("m"),
                        "clothes",
                        WeightStorage.INT8,
                        Path.of("ck"),
                        true,
                        1,
                        null,
                        1,
                        0.1f,
                        0.0,
                        0,
                        false));
        assertThat(Cli.options("--model", "googlenet", "--out", "m").labelSmoothing())
                .isZero();
        assertThat(Cli.options("--model", "googlenet", "--out", "m").storage()).isEqualTo(WeightStorage.FLOAT16);
    }

    @Test
    void anUnknownModelIsRefusedWithTheValidIds() {
        Execution execution = execute("train", "--model", "resnet", "--out", dir.toString());

        assertThat(execution.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(execution.err())
                .contains("Unknown architecture 'resnet'")
                .contains("valid ids: googlenet, googlenet-bn, inception-v2");
    }

    @Test
    void contradictoryOptionsAreRefused() {
        assertThatThrownBy(() -> Cli.options("--model", "inception-v2", "--out", "m", "--input-size", "64"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--input-size must be within 73..1024");
        assertThatThrownBy(() -> Cli.options("--model", "googlenet", "--out", "m", "--dataset", "folder"))
                .hasMessageContaining("--dataset folder needs --data-dir");
    }

    @Test
    void aMissingFashionMnistNamesTheDebianPackage() {
        Path missing = dir.resolve("no-fashion-mnist");

        Execution execution = execute(
                "train",
                "--model",
                "googlenet-bn",
                "--out",
                dir.resolve("m").toString(),
                "--fashion-mnist-dir",
                missing.toString(),
                "--checkpoint-dir",
                dir.resolve("ck").toString());

        assertThat(execution.exitCode()).isEqualTo(1);
        assertThat(execution.err())
                .contains("apt-get install dataset-fashion-mnist")
                .contains(missing.toString());
    }

    @Test
    void theTopLevelCommandListsItsSubCommands() {
        assertThat(execute().err()).contains("Missing sub-command: one of serve, train, import");
        assertThat(Commands.commandLine().getSubcommands().get("train").getUsageMessage())
                .contains("--model", "googlenet-bn", "inception-v2", "--lr-schedule", "--resume");
    }
}
