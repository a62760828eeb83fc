package io.inceptionserve.training;

import java.util.Locale;

/**
 * The report's {@code summary.md}: a title, the run's key figures, then one section each for the
 * epochs, the per-class accuracy and the confusion matrix, with the charts the report draws beside
 * it.
 */
final class SummaryMarkdown {

    private final TrainingResult result;
    private final StringBuilder md = new StringBuilder();

    private SummaryMarkdown(TrainingResult result) {
        this.result = result;
    }

    static String of(TrainingResult result) {
        return new SummaryMarkdown(result).render();
    }

    private String render() {
        title();
        keyFigures();
        epochs();
        perClassAccuracy();
        confusionMatrix();
        md.append("\nAll options are in `summary.json`.\n");
        return md.toString();
    }

    private void title() {
        TrainingOptions options = result.options();
        String model = options.name().equals(options.architecture().id())
                ? options.name()
                : options.name() + " (" + options.architecture().id() + ")";
        md.append("# ")
                .append(model)
                .append(result.startedFrom() == null ? " trained on " : " fine-tuned on ")
                .append(result.dataSource())
                .append("\n\n");
        if (result.startedFrom() != null) {
            md.append("Started from ").append(result.startedFrom()).append(".\n\n");
        }
    }

    /** Which epoch's weights the model directory holds, and why. */
    static String shipped(TrainingResult result) {
        return result.shippedEpoch() == result.history().size()
                ? "epoch " + result.shippedEpoch() + " (the last)"
                : "epoch " + result.shippedEpoch() + " (the best on the validation images)";
    }

    private void keyFigures() {
        TrainingOptions options = result.options();
        Evaluation evaluation = result.finalEvaluation();
        EpochMetrics best = result.bestEpoch();
        Hardware hardware = result.hardware();
        md.append(String.format(
                Locale.ROOT,
                """
                - Test accuracy of the shipped weights (%s, stored as %s, as the service runs them): **top-1 %.4f**, top-5 %.4f, loss %.4f
                - Best test top-1: %.4f at epoch %d
                - Input %d×%d, %d channel(s); %,d parameters (%,d while training, with the aux heads)
                - %s; batch %d; label smoothing %s; aux weight %s; augmentation %s; seed %d
                - Training time %.1f min (steps only), %.0f images/s
                - Hardware: %s, %d cores, %s, %s on %s, DJL %s, %d intra-op threads

                """,
                shipped(result),
                options.storage().id(),
                evaluation.top1(),
                evaluation.top5(),
                evaluation.loss(),
                best.testTop1(),
                best.epoch(),
                options.inputSize(),
                options.inputSize(),
                options.channels(),
                result.parameters(),
                result.trainingParameters(),
                LearningRateSchedule.describe(options),
                options.batchSize(),
                options.labelSmoothing(),
                options.auxWeight(),
                options.augment(),
                options.seed(),
                result.trainSeconds() / 60,
                result.imagesPerSecond(),
                hardware.cpuModel(),
                hardware.cores(),
                hardware.os(),
                hardware.engine(),
                hardware.device(),
                hardware.djlVersion(),
                hardware.intraOpThreads()));
    }

    private void epochs() {
        md.append("## Epochs\n\n![loss](loss.png)\n\n![accuracy](accuracy.png)\n\n");
        md.append("| epoch | lr | train loss | train acc | test loss | test top-1 | test top-5 | img/s | train s |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (EpochMetrics m : result.history()) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %d | %.2e | %.4f | %.4f | %.4f | %.4f | %.4f | %.0f | %.0f |%n",
                    m.epoch(),
                    m.learningRate(),
                    m.trainLoss(),
                    m.trainAccuracy(),
                    m.testLoss(),
                    m.testTop1(),
                    m.testTop5(),
                    m.imagesPerSecond(),
                    m.trainSeconds()));
        }
    }

    private void perClassAccuracy() {
        md.append("\n## Per-class test accuracy\n\n| class | training images | accuracy |\n|---|---:|---:|\n");
        double[] accuracy = result.finalEvaluation().perClassAccuracy();
        for (int i = 0; i < accuracy.length; i++) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %.4f |%n",
                    result.classes().get(i),
                    result.trainCountsPerClass()[i],
                    accuracy[i]));
        }
    }

    private void confusionMatrix() {
        md.append(
                "\n## Confusion matrix (rows: true class, columns: predicted)\n\n![confusion matrix](confusion-matrix.png)\n\n");
        md.append("| true \\ predicted |");
        result.classes().forEach(label -> md.append(' ').append(label).append(" |"));
        md.append("\n|---|").append("---:|".repeat(result.classes().size())).append('\n');
        int[][] confusion = result.finalEvaluation().confusion();
        for (int i = 0; i < confusion.length; i++) {
            md.append("| ").append(result.classes().get(i)).append(" |");
            for (int count : confusion[i]) {
                md.append(' ').append(count).append(" |");
            }
            md.append('\n');
        }
    }
}
