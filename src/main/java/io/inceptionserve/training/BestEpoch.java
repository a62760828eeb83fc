package io.inceptionserve.training;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Early stopping's memory: the epoch with the highest validation top-1 so far and its weights,
 * which are the ones shipped. Runs without a validation split keep nothing and ship the last epoch.
 */
final class BestEpoch {

    private int epoch;
    private double top1 = Double.NEGATIVE_INFINITY;
    private byte[] weights;

    private BestEpoch() {}

    /** The best of the epochs already done, its weights as the checkpoint directory kept them. */
    static BestEpoch of(List<EpochMetrics> history, Path checkpointDir) throws IOException {
        BestEpoch best = new BestEpoch();
        for (EpochMetrics metrics : history) {
            best.offer(metrics, null);
        }
        if (best.epoch > 0) {
            best.weights = Checkpoints.best(checkpointDir).orElse(null);
        }
        return best;
    }

    /** Records an epoch; whether it is the new best. */
    boolean offer(EpochMetrics metrics, byte[] epochWeights) {
        if (metrics.validationTop1() == null || metrics.validationTop1() <= top1) {
            return false;
        }
        epoch = metrics.epoch();
        top1 = metrics.validationTop1();
        weights = epochWeights;
        return true;
    }

    /** Whether {@code patience} epochs after the best have passed by {@code completedEpochs}; never for 0. */
    boolean patienceRunOut(int completedEpochs, int patience) {
        return patience > 0 && epoch > 0 && completedEpochs - epoch >= patience;
    }

    int epoch() {
        return epoch;
    }

    /** The best epoch's weights, or {@code null} when there is none (no validation split). */
    byte[] weights() {
        return weights;
    }
}
