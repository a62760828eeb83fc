package io.inceptionserve.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.importer.PrecisionCheck;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.inferenceform.ChannelsLast;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.function.UnaryOperator;
import me.tongfei.progressbar.ProgressBar;

/**
 * One training run: prepares the data set, trains the network with its auxiliary heads on the
 * DJL {@link Trainer}, evaluates and checkpoints after every epoch, and finally writes the
 * inference form of the network as a model directory the service loads, with a report beside it.
 *
 * <p>Every training step and every evaluation batch runs in its own sub-{@link NDManager} that is
 * closed when the step ends, so the batch, the outputs and the loss are freed at once instead of
 * piling up on the trainer's manager (docs/performance.md, "Scoping": twice the throughput).
 */
public final class Training {

    /** Enough images to see bfloat16 change answers, few enough to cost seconds at 299 px. */
    private static final int PRECISION_CHECK_IMAGES = 64;

    private final TrainingOptions options;
    private final Progress progress;
    /** Set once the data is loaded: class weights depend on it. */
    private LabelSmoothingLoss loss;

    private Training(TrainingOptions options, Progress progress) {
        this.options = options;
        this.progress = progress;
    }

    /**
     * Runs the training the options describe.
     *
     * @param log where progress and epoch summaries go
     * @param terminal whether progress may redraw in place (an interactive terminal)
     * @throws TrainingInputException if the data set is missing or unreadable, or does not fit the
     *     options or the checkpoint
     */
    public static TrainingResult run(TrainingOptions options, PrintWriter log, boolean terminal) throws IOException {
        return new Training(options, new Progress(log, terminal)).run();
    }

    private TrainingResult run() throws IOException {
        long preparing = System.nanoTime();
        PreparedData data = loadData().withValidationSplit(options.validationSplit(), options.seed() + 3);
        progress.line(String.format(Locale.ROOT, "Prepared %s in %.0f s", data.source(), seconds(preparing)));
        progress.line("Training images per class: " + countsPerClass(data));
        loss = new LabelSmoothingLoss(
                options.labelSmoothing(),
                options.auxWeight(),
                options.classWeights() ? LabelSmoothingLoss.inverseFrequency(data.trainCountsPerClass()) : null);
        Engine engine = startEngine();
        Device device = engine.getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        int stepsPerEpoch = data.train().size() / options.batchSize();
        if (stepsPerEpoch == 0) {
            throw new TrainingInputException("the batch size (" + options.batchSize()
                    + ") is larger than the training set (" + data.train().size() + " images)");
        }

        Optional<Checkpoints.Checkpoint> checkpoint = resumableCheckpoint(data);
        List<EpochMetrics> history =
                new ArrayList<>(checkpoint.map(c -> c.state().history()).orElse(List.of()));
        int firstEpoch = history.size() + 1;
        var schedule = LearningRateSchedule.of(options, stepsPerEpoch, history.size() * stepsPerEpoch);
        InceptionNetwork network = network(data.classes().size(), true);

        try (Model model = Model.newInstance(options.name(), device, "PyTorch")) {
            model.setBlock(network);
            int frozenSteps = Math.max(0, options.freezeEpochs() - history.size()) * stepsPerEpoch;
            var config = options.fineTuning()
                    ? new DefaultTrainingConfig(loss)
                            .optOptimizer(FineTuning.optimizer(network, schedule, options.bodyLrFactor(), frozenSteps))
                            .optDevices(new Device[] {device})
                    : trainerConfig(loss, schedule, device);
            try (Trainer trainer = model.newTrainer(config)) {
                engine.setRandomSeed((int) options.seed());
                trainer.initialize(
                        new Shape(options.batchSize(), options.channels(), options.inputSize(), options.inputSize()));
                if (checkpoint.isPresent()) {
                    NetworkWeights.decodeInto(network, checkpoint.get().weights(), model.getNDManager());
                } else if (options.fineTuning()) {
                    FineTuning.loadBody(options.initFrom(), network, model.getNDManager());
                }
                progress.line(describeStart(data, stepsPerEpoch, device, firstEpoch));
                BestEpoch best = BestEpoch.of(history, options.checkpointDir());

                for (int epoch = firstEpoch;
                        epoch <= options.epochs() && !best.patienceRunOut(epoch - 1, options.patience());
                        epoch++) {
                    if (options.fineTuning()) {
                        FineTuning.freezeBody(network, epoch <= options.freezeEpochs());
                    }
                    engine.setRandomSeed((int) epochSeed(epoch));
                    long training = System.nanoTime();
                    EpochTraining epochTraining = trainEpoch(trainer, data, epoch, stepsPerEpoch);
                    double trainSeconds = seconds(training);
                    long evaluating = System.nanoTime();
                    Evaluation evaluation =
                            evaluate(trainer, data.test(), data.classes().size());
                    Double validationTop1 = data.validation().size() == 0
                            ? null
                            : evaluate(
                                            trainer,
                                            data.validation(),
                                            data.classes().size())
                                    .top1();
                    EpochMetrics metrics = new EpochMetrics(
                            epoch,
                            schedule.rateAtStep(epoch * stepsPerEpoch - 1),
                            epochTraining.loss(),
                            epochTraining.accuracy(),
                            evaluation.loss(),
                            evaluation.top1(),
                            evaluation.top5(),
                            trainSeconds,
                            seconds(evaluating),
                            (double) stepsPerEpoch * options.batchSize() / trainSeconds,
                            validationTop1);
                    history.add(metrics);
                    byte[] weights = NetworkWeights.encode(network);
                    Checkpoints.save(options.checkpointDir(), checkpointState(data, epoch, history), weights);
                    if (best.offer(metrics, weights)) {
                        Checkpoints.saveBest(options.checkpointDir(), weights);
                    }
                    progress.line(describe(metrics));
                }
                if (best.patienceRunOut(history.size(), options.patience()) && history.size() < options.epochs()) {
                    progress.line("Stopped early: no better validation top-1 for " + options.patience()
                            + " epochs after epoch " + best.epoch());
                }
                int shippedEpoch = history.size();
                if (best.weights() != null) {
                    NetworkWeights.decodeInto(network, best.weights(), model.getNDManager());
                    shippedEpoch = best.epoch();
                }
                return finish(data, network, engine, device, firstEpoch, history, shippedEpoch);
            }
        }
    }

    /** The network to train or to serve: the starting model's when fine-tuning, so input transforms carry over. */
    private InceptionNetwork network(int numClasses, boolean withAux) {
        return options.fineTuning()
                ? ModelArtifact.network(
                        options.initFrom().artifact().manifest(), options.architecture(), numClasses, withAux)
                : options.architecture().build(numClasses, options.channels(), withAux);
    }

    private static String countsPerClass(PreparedData data) {
        int[] counts = data.trainCountsPerClass();
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < counts.length; c++) {
            line.append(c == 0 ? "" : ", ")
                    .append(data.classes().get(c))
                    .append(' ')
                    .append(counts[c]);
        }
        return line.toString();
    }

    /** How the {@code train} command's trainer is set up: Adam on one device with this loss. */
    static DefaultTrainingConfig trainerConfig(Loss loss, Tracker learningRate, Device device) {
        return new DefaultTrainingConfig(loss)
                .optOptimizer(
                        Optimizer.adam().optLearningRateTracker(learningRate).build())
                .optDevices(new Device[] {device});
    }

    private Engine startEngine() {
        Engine engine = OfflineEngine.pytorch();
        // Intra-op threads are a process-wide setting that can change at any time, unlike the
        // inter-op pool, which eager training barely uses.
        JniUtils.setNumThreads(options.threads());
        if (options.threads() > 1 && System.getenv("OMP_WAIT_POLICY") == null) {
            progress.line("Note: libtorch's OpenMP threads busy-wait for each other; whenever another process "
                    + "uses these cores, training with " + options.threads() + " threads slows down 10× or "
                    + "more. Start the JVM with OMP_WAIT_POLICY=PASSIVE, or use --threads 1.");
        }
        return engine;
    }

    private PreparedData loadData() {
        int size = options.inputSize();
        int channels = options.channels();
        return switch (options.dataset()) {
            case FASHION_MNIST ->
                FashionMnist.load(options.fashionMnistDir(), size, channels, options.limitTrain(), options.limitTest());
            case FOLDER ->
                ImageFolders.load(
                        options.dataDir(),
                        options.split(),
                        size,
                        channels,
                        options.seed(),
                        options.limitTrain(),
                        options.limitTest(),
                        options.fineTuning() ? startingPreprocessing() : null);
        };
    }

    /** The starting model's preprocessing, its resize target scaled with the input when --input-size changes it. */
    private ModelManifest.Preprocessing startingPreprocessing() {
        ModelManifest start = options.initFrom().artifact().manifest();
        ModelManifest.Preprocessing p = start.preprocessing();
        int resizeTo = Math.round(
                (float) p.resizeTo() * options.inputSize() / start.input().size());
        return new ModelManifest.Preprocessing(p.resize(), resizeTo, p.mean(), p.std(), p.upscale(), p.resampling());
    }

    /** The checkpoint to continue from, after checking it belongs to this network and data set. */
    private Optional<Checkpoints.Checkpoint> resumableCheckpoint(PreparedData data) throws IOException {
        if (!options.resume()) {
            Checkpoints.clear(options.checkpointDir());
            return Optional.empty();
        }
        Optional<Checkpoints.Checkpoint> checkpoint = Checkpoints.latest(options.checkpointDir());
        if (checkpoint.isEmpty()) {
            progress.line("No checkpoint in " + options.checkpointDir() + ": starting from epoch 1");
            return checkpoint;
        }
        Checkpoints.State found = checkpoint.get().state();
        Checkpoints.State expected = checkpointState(data, found.epoch(), found.history());
        if (!found.equals(expected)) {
            throw new TrainingInputException("the checkpoint in " + options.checkpointDir() + " is for "
                    + found.architecture() + " on " + found.dataset() + " at " + found.inputSize() + " px, "
                    + found.channels() + " channel(s), seed " + found.seed() + ", classes " + found.classes()
                    + "; this run is " + expected.architecture() + " on " + expected.dataset() + " at "
                    + expected.inputSize() + " px, " + expected.channels() + " channel(s), seed "
                    + expected.seed() + ", classes " + expected.classes()
                    + ". Use another --checkpoint-dir or leave out --resume.");
        }
        progress.line("Resuming after epoch " + found.epoch() + " from " + options.checkpointDir());
        return checkpoint;
    }

    private Checkpoints.State checkpointState(PreparedData data, int epoch, List<EpochMetrics> history) {
        return new Checkpoints.State(
                options.architecture().id(),
                options.dataset().toString(),
                options.inputSize(),
                options.channels(),
                data.classes(),
                options.seed(),
                epoch,
                List.copyOf(history));
    }

    /** Every epoch's shuffling, augmentation and dropout come from this seed, so a resumed run repeats them. */
    private long epochSeed(int epoch) {
        return options.seed() * 1_000_003L + epoch;
    }

    private record EpochTraining(double loss, double accuracy) {}

    private EpochTraining trainEpoch(Trainer trainer, PreparedData data, int epoch, int steps) {
        LabelledImages train = data.train();
        int batchSize = options.batchSize();
        int imageLength = train.images()[0].length;
        Random random = new Random(epochSeed(epoch));
        int[] order = permutation(train.size(), random);
        float[] black = blackPixel(data.preprocessing());
        float[] images = new float[batchSize * imageLength];
        long[] labels = new long[batchSize];
        Shape shape = batchShape(batchSize);
        double lossSum = 0;
        long correct = 0;
        try (ProgressBar bar = progress.bar("epoch " + epoch + "/" + options.epochs(), (long) steps * batchSize)) {
            for (int step = 0; step < steps; step++) {
                for (int i = 0; i < batchSize; i++) {
                    int index = order[step * batchSize + i];
                    options.augment()
                            .apply(train.images()[index], options.inputSize(), black, random, images, i * imageLength);
                    labels[i] = train.labels()[index];
                }
                TrainingStep.Result result = TrainingStep.run(trainer, loss, images, shape, labels);
                lossSum += result.loss();
                correct += result.correct();
                bar.stepBy(batchSize);
                bar.setExtraMessage(String.format(
                        Locale.ROOT,
                        " loss %.4f acc %.4f",
                        lossSum / (step + 1),
                        (double) correct / ((long) (step + 1) * batchSize)));
            }
        }
        return new EpochTraining(lossSum / steps, (double) correct / ((long) steps * batchSize));
    }

    /** Evaluates the network in inference mode (BatchNorm running statistics, no dropout, no aux heads). */
    private Evaluation evaluate(Trainer trainer, LabelledImages test, int classes) {
        return evaluate(trainer::evaluate, trainer.getManager(), test, classes);
    }

    /** Evaluates {@code network} on {@code test}, each batch in its own sub-manager of {@code parent}. */
    private Evaluation evaluate(UnaryOperator<NDList> network, NDManager parent, LabelledImages test, int classes) {
        int batchSize = options.batchSize();
        int imageLength = test.images()[0].length;
        float[] images = new float[batchSize * imageLength];
        long[] labels = new long[batchSize];
        var tally = new Evaluation.Tally(classes);
        for (int start = 0; start < test.size(); start += batchSize) {
            int count = Math.min(batchSize, test.size() - start);
            for (int i = 0; i < count; i++) {
                System.arraycopy(test.images()[start + i], 0, images, i * imageLength, imageLength);
                labels[i] = test.labels()[start + i];
            }
            try (NDManager scope = parent.newSubManager()) {
                NDArray labelArray = scope.create(Arrays.copyOf(labels, count));
                NDArray input = ChannelsLast.of(
                        scope.create(FloatBuffer.wrap(images, 0, count * imageLength), batchShape(count)));
                NDList outputs = network.apply(new NDList(input));
                float batchLoss = loss.evaluate(new NDList(labelArray), outputs).getFloat();
                tally.add(outputs.head().toFloatArray(), labels, count, batchLoss);
            }
        }
        return tally.result();
    }

    /**
     * Writes the model directory, then evaluates the weights as stored there, in the form the
     * service runs them, so the reported accuracy includes what float16 or int8 storage costs.
     */
    private TrainingResult finish(
            PreparedData data,
            InceptionNetwork network,
            Engine engine,
            Device device,
            int firstEpoch,
            List<EpochMetrics> history,
            int shippedEpoch)
            throws IOException {
        Block inference = network(data.classes().size(), false);
        try (NDManager manager = NDManager.newBaseManager(device)) {
            inference.initialize(manager, DataType.FLOAT32, batchShape(1));
            NetworkWeights.copyWithoutAux(network, inference);
            ModelManifest manifest = new ModelManifest(
                    options.name(),
                    options.architecture().id(),
                    null,
                    "labels.txt",
                    new ModelManifest.Input(options.inputSize(), options.channels()),
                    data.preprocessing(),
                    null,
                    options.fineTuning()
                            ? options.initFrom().artifact().manifest().transformInput()
                            : null);
            ModelArtifact.write(options.out(), manifest, data.classes(), inference, options.storage());
            ModelArtifact stored = ModelArtifact.open(options.out());
            Block served = stored.newInferenceBlock(manager);
            ParameterStore parameters = new ParameterStore(manager, false);
            Evaluation evaluation = evaluate(
                    input -> served.forward(parameters, input, false),
                    manager,
                    data.test(),
                    data.classes().size());
            String startedFrom = options.fineTuning() ? options.initFrom().describe() : null;
            String trainedOn = data.source() + (startedFrom == null ? "" : ", fine-tuned from " + startedFrom);
            ModelArtifact.writeManifest(
                    options.out(),
                    stored.manifest()
                            .withDescription(String.format(
                                    Locale.ROOT,
                                    "%s %s on %s for %d epochs (%s), epoch %d shipped, stored as %s: test top-1 "
                                            + "%.4f, top-5 %.4f",
                                    options.architecture().id(),
                                    startedFrom == null ? "trained" : "fine-tuned from " + startedFrom,
                                    data.source(),
                                    history.size(),
                                    LearningRateSchedule.describe(options),
                                    shippedEpoch,
                                    options.storage().id(),
                                    evaluation.top1(),
                                    evaluation.top5()))
                            .withTraining(
                                    trainedOn,
                                    new ModelManifest.Accuracy(
                                            evaluation.top1(),
                                            evaluation.top5(),
                                            data.test().size())));
            checkPrecision(data);
            var result = new TrainingResult(
                    options,
                    data.classes(),
                    data.source(),
                    data.train().size(),
                    data.test().size(),
                    firstEpoch,
                    List.copyOf(history),
                    evaluation,
                    parameterCount(inference),
                    parameterCount(network),
                    Hardware.describe(engine, device, options.threads()),
                    options.out(),
                    startedFrom,
                    data.trainCountsPerClass(),
                    shippedEpoch);
            TrainingReport.write(result);
            progress.line("Wrote " + options.out() + " and its report");
            return result;
        }
    }

    /**
     * The bfloat16 check of {@code import} on the written model, with up to {@link
     * #PRECISION_CHECK_IMAGES} held-out images (validation, else test): when bfloat16 changes
     * too many of their top-1 classes, the manifest keeps the model in float32 and says why.
     */
    private void checkPrecision(PreparedData data) throws IOException {
        LabelledImages heldOut = data.validation().size() > 0 ? data.validation() : data.test();
        List<float[]> images =
                Arrays.asList(heldOut.images()).subList(0, Math.min(PRECISION_CHECK_IMAGES, heldOut.size()));
        progress.line(PrecisionCheck.apply(options.out(), PrecisionCheck.runPrepared(options.out(), images)));
    }

    private static long parameterCount(Block block) {
        return block.getParameters().values().stream()
                .filter(Parameter::requiresGradient)
                .mapToLong(parameter -> parameter.getArray().size())
                .sum();
    }

    private Shape batchShape(int batchSize) {
        return new Shape(batchSize, options.channels(), options.inputSize(), options.inputSize());
    }

    /** Per channel, the value a black pixel has after normalisation: the padding of a random crop. */
    private static float[] blackPixel(ModelManifest.Preprocessing preprocessing) {
        float[] black = new float[preprocessing.mean().length];
        for (int c = 0; c < black.length; c++) {
            black[c] = -preprocessing.mean()[c] / preprocessing.std()[c];
        }
        return black;
    }

    private static int[] permutation(int n, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    private String describeStart(PreparedData data, int stepsPerEpoch, Device device, int firstEpoch) {
        return String.format(
                Locale.ROOT,
                "Training %s (%d classes) at %d×%d×%d, epochs %d..%d, batch %d, %d steps per epoch, %s, "
                        + "label smoothing %s, aux weight %s, augment %s, device %s, %d intra-op threads",
                options.architecture().id(),
                data.classes().size(),
                options.inputSize(),
                options.inputSize(),
                options.channels(),
                firstEpoch,
                options.epochs(),
                options.batchSize(),
                stepsPerEpoch,
                LearningRateSchedule.describe(options),
                options.labelSmoothing(),
                options.auxWeight(),
                options.augment(),
                device,
                options.threads());
    }

    private static String describe(EpochMetrics m) {
        return String.format(
                Locale.ROOT,
                "epoch %d: train loss %.4f acc %.4f | test loss %.4f top-1 %.4f top-5 %.4f | lr %.2e | "
                        + "%.0f img/s, train %.0f s, eval %.0f s",
                m.epoch(),
                m.trainLoss(),
                m.trainAccuracy(),
                m.testLoss(),
                m.testTop1(),
                m.testTop5(),
                m.learningRate(),
                m.imagesPerSecond(),
                m.trainSeconds(),
                m.evalSeconds());
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
