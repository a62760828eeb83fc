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
            "A checkpoint is written after every epoch; --resume continues from the last one.",
            "With --init-from it fine-tunes a trained model to the classes of --data-dir instead: new heads first, "
                    + "the body frozen, then everything with the body at a lower learning rate, keeping the epoch "
                    + "that does best on a validation split."
        })
public final class TrainCommand implements Callable<Integer> {

    private static final int MIN_DEFAULT_INPUT_SIZE = 64;

    @Spec
    private CommandSpec spec;

    @Option(
            names = "--model",
            converter = ArchitectureIds.class,
            completionCandidates = ArchitectureIds.class,
            description = "Architecture to train: ${COMPLETION-CANDIDATES} (with --init-from: the starting model's, "
                    + "which a .pth needs said).")
    private Architecture model;

    @Option(
            names = "--init-from",
            paramLabel = "MODEL",
            description = "Fine-tune a trained model instead of training from scratch: a model directory written by "
                    + "train or import, a bundled model (googlenet, googlenet-bn, inception-v2), or torchvision "
                    + "ImageNet weights (a .pth state_dict, with --model googlenet-bn or inception-v3), imported on "
                    + "the way as import does. Its input size, "
                    + "channels and preprocessing are kept; its classifier and aux heads are replaced for the classes "
                    + "of the data set.")
    private String initFrom;

    @Option(
            names = "--freeze-epochs",
            defaultValue = "1",
            description = "With --init-from: epochs that train the new heads alone, the rest frozen "
                    + "(default: ${DEFAULT-VALUE}).")
    private int freezeEpochs;

    @Option(
            names = "--body-lr-factor",
            defaultValue = "0.1",
            description = "With --init-from: the body's learning rate as a fraction of --lr, the heads' "
                    + "(default: ${DEFAULT-VALUE}).")
    private float bodyLrFactor;

    @Option(
            names = "--validation-split",
            description = "Fraction of each class's training images held out to choose the best epoch, whose "
                    + "weights are shipped (default: 0.15 with --init-from, else 0: the last epoch is shipped).")
    private Double validationSplit;

    @Option(
            names = "--patience",
            description = "Stop after this many epochs without a better validation top-1; 0 never stops early "
                    + "(default: 3 with a validation split, else 0).")
    private Integer patience;

    @Option(
            names = "--class-weights",
            description = "Weight each image's loss by N / (classes × images of its class), so that small "
                    + "classes count as much as large ones.")
    private boolean classWeights;

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
            description = "Training augmentation: none; flip = random horizontal flip; crop-flip = random crop "
                    + "after 4-px padding, then random flip; resized-crop-flip = a random 35-100 %% of the image "
                    + "at an aspect ratio within 3:4..4:3, scaled back to the input size, then random flip "
                    + "(default: resized-crop-flip for --init-from on folder data, else flip).")
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

    @Option(
            names = "--name",
            description = "Model name in the manifest (default: the architecture id; with --init-from the --out "
                    + "directory's name).")
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
        PrintWriter err = spec.commandLine().getErr();
        try {
            TrainingOptions options = options();
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
        StartingModel start = initFrom == null ? null : StartingModel.open(initFrom, model);
        Architecture architecture = architecture(start);
        int size = inputSize != null
                ? inputSize
                : start != null ? start.artifact().manifest().input().size() : defaultInputSize(architecture);
        int inputChannels = startingChannels(start);
        require(
                size >= architecture.minInputSize() && size <= 1024,
                "--input-size must be within " + architecture.minInputSize() + "..1024 for " + architecture.id()
                        + ", was " + size);
        require(inputChannels == 1 || inputChannels == 3, "--channels must be 1 or 3, was " + inputChannels);
        require(dataset != DatasetKind.FOLDER || dataDir != null, "--dataset folder needs --data-dir");
        require(split > 0 && split < 1, "--split must be between 0 and 1 (exclusive), was " + split);
        require(epochs >= 1, "--epochs must be at least 1");
        // BatchNorm needs two samples per batch: the last stages are 1×1 at the smallest inputs.
        require(batchSize >= 2, "--batch-size must be at least 2");
        require(learningRate > 0, "--lr must be positive");
        require(lrDecayEpochs >= 1, "--lr-decay-epochs must be at least 1");
        require(lrDecayFactor > 0 && lrDecayFactor <= 1, "--lr-decay-factor must be within (0, 1]");
        float smoothing =
                labelSmoothing != null ? labelSmoothing : (architecture == Architecture.INCEPTION_V2 ? 0.1f : 0f);
        require(smoothing >= 0 && smoothing < 1, "--label-smoothing must be within [0, 1)");
        require(auxWeight >= 0, "--aux-weight must not be negative");
        require(limitTrain == null || limitTrain >= 1, "--limit-train must be at least 1");
        require(limitTest == null || limitTest >= 1, "--limit-test must be at least 1");
        require(freezeEpochs >= 0, "--freeze-epochs must not be negative");
        require(bodyLrFactor >= 0 && bodyLrFactor <= 1, "--body-lr-factor must be within [0, 1]");
        double heldOut = validationSplit != null ? validationSplit : start != null ? 0.15 : 0;
        require(heldOut >= 0 && heldOut < 1, "--validation-split must be within [0, 1), was " + heldOut);
        int stopAfter = patience != null ? patience : heldOut > 0 ? 3 : 0;
        require(stopAfter >= 0, "--patience must not be negative");
        require(stopAfter == 0 || heldOut > 0, "--patience needs a --validation-split to judge epochs by");
        Augmentation augmentation = augment != null
                ? augment
                : start != null && dataset == DatasetKind.FOLDER ? Augmentation.RESIZED_CROP_FLIP : Augmentation.FLIP;
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
                        architecture.id() + "-" + dataset + "-" + size + (start != null ? "-fine-tuned" : ""));
        return new TrainingOptions(
                architecture,
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
                augmentation,
                seed,
                limitTrain,
                limitTest,
                out,
                name != null
                        ? name
                        : start != null
                                ? out.toAbsolutePath().normalize().getFileName().toString()
                                : architecture.id(),
                weightStorage,
                checkpoints,
                resume,
                intraOpThreads,
                start,
                freezeEpochs,
                bodyLrFactor,
                heldOut,
                stopAfter,
                classWeights);
    }

    /** --model, or the starting model's architecture, which --model may only repeat. */
    private Architecture architecture(StartingModel start) {
        if (start == null) {
            require(model != null, "Missing required option: '--model' (or --init-from)");
            return model;
        }
        Architecture startArchitecture = start.artifact().architecture();
        require(
                model == null || model == startArchitecture,
                "--model " + (model == null ? "" : model.id()) + " contradicts --init-from " + initFrom + ", a "
                        + startArchitecture.id() + "; leave out --model");
        return startArchitecture;
    }

    /** --channels, or the starting model's, which cannot change: its first convolution is built for them. */
    private int startingChannels(StartingModel start) {
        if (start == null) {
            return channels != null ? channels : (dataset == DatasetKind.FASHION_MNIST ? 1 : 3);
        }
        int startChannels = start.artifact().manifest().input().channels();
        if (channels != null && channels != startChannels) {
            throw new TrainingInputException("--channels " + channels + " does not fit --init-from " + initFrom
                    + ", whose first convolution takes " + startChannels + " channel(s) ("
                    + (startChannels == 1 ? "grey" : "RGB") + "); leave out --channels ("
                    + (startChannels == 1
                            ? "colour photos are then read as grey"
                            : "grey photos are then repeated into RGB")
                    + ") or start from a model with " + channels + " channel(s)");
        }
        return startChannels;
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
