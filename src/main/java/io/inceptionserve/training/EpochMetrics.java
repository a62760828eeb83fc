package io.inceptionserve.training;

/**
 * What one epoch did.
 *
 * @param epoch 1-based
 * @param learningRate the rate of the epoch's last step
 * @param trainLoss mean training objective (main + aux_weight · Σ aux, label-smoothed) over the epoch
 * @param trainAccuracy main head's top-1 on the (augmented) training batches
 * @param testLoss main head's label-smoothed cross-entropy on the test set, inference mode
 * @param trainSeconds wall time of the training steps
 * @param evalSeconds wall time of the test-set evaluation
 * @param imagesPerSecond training images per second of {@code trainSeconds}
 * @param validationTop1 top-1 on the held-out validation images, or {@code null} without a
 *     validation split
 */
public record EpochMetrics(
        int epoch,
        float learningRate,
        double trainLoss,
        double trainAccuracy,
        double testLoss,
        double testTop1,
        double testTop5,
        double trainSeconds,
        double evalSeconds,
        double imagesPerSecond,
        Double validationTop1) {

    /** An epoch of a run without a validation split. */
    public EpochMetrics(
            int epoch,
            float learningRate,
            double trainLoss,
            double trainAccuracy,
            double testLoss,
            double testTop1,
            double testTop5,
            double trainSeconds,
            double evalSeconds,
            double imagesPerSecond) {
        this(
                epoch,
                learningRate,
                trainLoss,
                trainAccuracy,
                testLoss,
                testTop1,
                testTop5,
                trainSeconds,
                evalSeconds,
                imagesPerSecond,
                null);
    }
}
