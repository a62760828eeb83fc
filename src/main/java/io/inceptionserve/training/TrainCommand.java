package io.inceptionserve.training;

import io.inceptionserve.artifact.WeightStorage;
import io.inceptionserve.model.Architecture;
import io.inceptionserve.training.TrainingOptions.DatasetKind;
import io.inceptionserve.training.TrainingOptions.LrSchedule;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code inception-serve train}: trains a network and writes a model directory the service loads,
 * with a report in its {@code report/} folder. Runs without Spring.
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "Trains an Inception network on Fashion-MNIST or on a folder of images and writes a model "
                    + "directory the service can load (manifest, labels, float16 weights) with a report "
                    + "(accuracy, per-class accuracy, confusion matrix, curves) in its report/ folder.",
            "A checkpoint is written after every epoch; --resume continues from the last one."
        })
public final class TrainCommand implements Callable<Integer> {

    private static final int MIN_DEFAULT_INPUT_SIZE = 64;

    @Spec
    private CommandSpec spec;

    @Option(
            names = "--model",
            required = true,
            converter = ArchitectureIds.class,
            completionCandidates = ArchitectureIds.class,
            description = "Architecture to train: ${COMPLETION-CANDIDATES}.")
    private Architecture model;

    @Option(
            names = "--dataset",
            defaultValue = "fashion-mnist",
            description = "Data set: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private DatasetKind dataset;

    @Option(
            names = "--data-dir",
            description = "Root of a folder data set: either train/ and test/ sub-folders each holding one "
                    + "sub-folder per class, or the class sub-folders themselves (then see --split). "
                    + "Class names are the sub-folder names, sorted.")
    private Path dataDir;

    @Option(
            names = "--split",
            defaultValue = "0.8",
            description = "Fraction of each class used for training when --data-dir holds the class folders "
                    + "directly; the rest is the test set (default: ${DEFAULT-VALUE}).")
    private double split;

    @Option(
            names = "--fashion-mnist-dir",
            defaultValue = "/usr/share/datasets/fashion-mnist",
            description = "Directory of the Fashion-MNIST IDX files, as installed by "
                    + "`apt-get install dataset-fashion-mnist` (default: ${DEFAULT-VALUE}).")
    private Path fashionMnistDir;

    @Option(
            names = "--input-size",
            description = "Side in pixels of the square input the network sees; images are resized to it "
                    + "(default: 64, or the smallest multiple of 16 the architecture accepts if larger: "
                    + "80 for inception-v2).")
    private Integer inputSize;

    @Option(
            names = "--channels",
            description = "Input channels: 1 (grey) or 3 (RGB) (default: 1 for fashion-mnist, 3 for folder).")
    private Integer channels;

    @Option(
            names = "--epochs",
            defaultValue = "12",
            description = "Total number of epochs, earlier runs' included when resuming (default: ${DEFAULT-VALUE}).")
    private int epochs;

    @Option(
            names = "--batch-size",
            defaultValue = "128",
            description = "Images per training step (default: ${DEFAULT-VALUE}).")
    private int batchSize;

    @Option(
            names = "--lr",
            defaultValue = "1e-3",
            description = "Adam's initial learning rate (default: ${DEFAULT-VALUE}).")
    private float learningRate;

    @Option(
            names = "--lr-schedule",
            defaultValue = "step",
            description = "Learning-rate schedule: step = multiply by --lr-decay-factor every --lr-decay-epochs "
                    + "epochs (the step decay of the Inception papers); cosine = cosine decay to 1%% of --lr over the run "
                    + "(default: ${DEFAULT-VALUE}).")
    private LrSchedule lrSchedule;

    @Option(
            names = "--lr-decay-epochs",
            defaultValue = "8",
            description = "Epochs between two decays of the step schedule (default: ${DEFAULT-VALUE}).")
    private int lrDecayEpochs;

    @Option(
            names = "--lr-decay-factor",
            defaultValue = "0.96",
            description = "Factor of each decay of the step schedule (default: ${DEFAULT-VALUE}).")
    private float lrDecayFactor;

    @Option(
            names = "--label-smoothing",
            description = "Label-smoothing ε: targets are (1-ε)·one_hot + ε/K (default: 0.1 for inception-v2, "
                    + "as in its paper; 0 otherwise).")
    private Float labelSmoothing;

    @Option(
            names = "--aux-weight",
            defaultValue = "0.3",
            description = "Weight of each auxiliary classifier's loss in the training objective "
                    + "(default: ${DEFAULT-VALUE}).")
    private float auxWeight;

    @Option(
            names = "--augment",
            defaultValue = "flip",
            description = "Training augmentation: none; flip = random horizontal flip; crop-flip = random crop "
                    + "after 4-px padding, then random flip (default: ${DEFAULT-VALUE}).")
    private Augmentation augment;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed of the initial weights and of every epoch's shuffling, augmentation and dropout "
                    + "(default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--limit-train", description = "Use only the first N training images (for quick runs and tests).")
    private Integer limitTrain;

    @Option(names = "--limit-test", description = "Use only the first N test images (for quick runs and tests).")
    private Integer limitTest;

    @Option(
            names = "--out",
            required = true,
            description = "Model directory to write: manifest.json, labels.txt, weights.ndlist and report/.")
    private Path out;

    @Option(names = "--name", description = "Model name in the manifest (default: the architecture id).")
    private String name;

    @Option(
            names = "--storage",
            defaultValue = "float16",
            description = "How the model directory stores the weights: float32, float16 (half the size) or int8 "
                    + "(a quarter: 8-bit weights with per-channel scales) (default: ${DEFAULT-VALUE}).")
    private String storage;

    @Option(
            names = "--checkpoint-dir",
            description = "Where the per-epoch checkpoints go; keep it outside the repository "
                    + "(default: ~/.inception-serve/checkpoints/<model>-<dataset>-<input size>).")
    private Path checkpointDir;

    @Option(
            names = "--resume",
            description = "Continue from the last complete checkpoint in --checkpoint-dir, if there is one; "
                    + "without it a run starts afresh and deletes the old checkpoints.")
    private boolean resume;

    @Option(names = "--threads", description = "PyTorch intra-op threads (default: the number of cores).")
    private Integer threads;

    @Override
    public Integer call() throws IOException {
        TrainingOptions options = options();
        PrintWriter err = spec.commandLine().getErr();
        try {
            TrainingResult result = Training.run(options, err, System.console() != null);
            err.printf(
                    "Test top-1 %.4f, top-5 %.4f; model in %s%n",
                    result.finalEvaluation().top1(), result.finalEvaluation().top5(), result.modelDir());
            return 0;
        } catch (TrainingInputException e) {
            err.println("train: " + e.getMessage());
            return 1;
        }
    }

    /**
     * The parsed options with every default resolved.
     *
     * @throws ParameterException if they are out of range or contradict each other
     */
    public TrainingOptions options() {
        int size = inputSize != null ? inputSize : defaultInputSize(model);
        int inputChannels = channels != null ? channels : (dataset == DatasetKind.FASHION_MNIST ? 1 : 3);
        require(
                size >= model.minInputSize() && size <= 1024,
                "--input-size must be within " + model.minInputSize() + "..1024 for " + model.id() + ", was " + size);
        require(inputChannels == 1 || inputChannels == 3, "--channels must be 1 or 3, was " + inputChannels);
        require(dataset != DatasetKind.FOLDER || dataDir != null, "--dataset folder needs --data-dir");
        require(split > 0 && split < 1, "--split must be between 0 and 1 (exclusive), was " + split);
        require(epochs >= 1, "--epochs must be at least 1");
        // BatchNorm needs two samples per batch: the last stages are 1×1 at the smallest inputs.
        require(batchSize >= 2, "--batch-size must be at least 2");
        require(learningRate > 0, "--lr must be positive");
        require(lrDecayEpochs >= 1, "--lr-decay-epochs must be at least 1");
        require(lrDecayFactor > 0 && lrDecayFactor <= 1, "--lr-decay-factor must be within (0, 1]");
        float smoothing = labelSmoothing != null ? labelSmoothing : (model == Architecture.INCEPTION_V2 ? 0.1f : 0f);
        require(smoothing >= 0 && smoothing < 1, "--label-smoothing must be within [0, 1)");
        require(auxWeight >= 0, "--aux-weight must not be negative");
        require(limitTrain == null || limitTrain >= 1, "--limit-train must be at least 1");
        require(limitTest == null || limitTest >= 1, "--limit-test must be at least 1");
        WeightStorage weightStorage;
        try {
            weightStorage = WeightStorage.parse(storage);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--" + e.getMessage());
        }
        int intraOpThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        require(intraOpThreads >= 1, "--threads must be at least 1");
        Path checkpoints = checkpointDir != null
                ? checkpointDir
                : Path.of(
                        System.getProperty("user.home"),
                        ".inception-serve",
                        "checkpoints",
                        model.id() + "-" + dataset + "-" + size);
        return new TrainingOptions(
                model,
                dataset,
                dataDir,
                fashionMnistDir,
                split,
                size,
                inputChannels,
                epochs,
                batchSize,
                learningRate,
                lrSchedule,
                lrDecayEpochs,
                lrDecayFactor,
                smoothing,
                auxWeight,
                augment,
                seed,
                limitTrain,
                limitTest,
                out,
                name != null ? name : model.id(),
                weightStorage,
                checkpoints,
                resume,
                intraOpThreads);
    }

    /** 64 px, or the smallest multiple of 16 the architecture accepts when that is larger. */
    static int defaultInputSize(Architecture architecture) {
        int atLeast = Math.max(MIN_DEFAULT_INPUT_SIZE, architecture.minInputSize());
        return (atLeast + 15) / 16 * 16;
    }

    private void require(boolean condition, String message) {
        if (!condition) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    /** Converts architecture ids for picocli and lists them in the help. */
    static final class ArchitectureIds implements ITypeConverter<Architecture>, Iterable<String> {

        @Override
        public Architecture convert(String id) {
            try {
                return Architecture.fromId(id);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }

        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Architecture.values()).map(Architecture::id).iterator();
        }
    }
}
