package io.inceptionserve.training;

import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of a training run.
 *
 * @param firstEpochThisRun the first epoch this run trained; above 1 when it resumed a checkpoint,
 *     above {@code options.epochs()} when the checkpoint had already done them all
 * @param history every epoch's metrics, earlier runs' included
 * @param finalEvaluation the shipped weights on the test set
 * @param parameters parameter count of the shipped (inference) network
 * @param trainingParameters parameter count of the trained network, aux heads included
 * @param modelDir the model directory written
 * @param startedFrom the model a fine-tuning run started from, described, or {@code null}
 * @param trainCountsPerClass training images per class, in class-index order
 * @param shippedEpoch the epoch whose weights were written: the last, or the best on validation
 */
public record TrainingResult(
        TrainingOptions options,
        List<String> classes,
        String dataSource,
        int trainImages,
        int testImages,
        int firstEpochThisRun,
        List<EpochMetrics> history,
        Evaluation finalEvaluation,
        long parameters,
        long trainingParameters,
        Hardware hardware,
        Path modelDir,
        String startedFrom,
        int[] trainCountsPerClass,
        int shippedEpoch) {

    /** The epoch with the highest test top-1 (the first of equals). */
    public EpochMetrics bestEpoch() {
        EpochMetrics best = history.get(0);
        for (EpochMetrics epoch : history) {
            if (epoch.testTop1() > best.testTop1()) {
                best = epoch;
            }
        }
        return best;
    }

    /** Wall time of all training steps, earlier runs' included. */
    public double trainSeconds() {
        return history.stream().mapToDouble(EpochMetrics::trainSeconds).sum();
    }

    /** Training images per second over all epochs. */
    public double imagesPerSecond() {
        double images = history.stream()
                .mapToDouble(e -> e.imagesPerSecond() * e.trainSeconds())
                .sum();
        return images / trainSeconds();
    }
}
