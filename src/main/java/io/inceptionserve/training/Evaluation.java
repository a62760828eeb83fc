package io.inceptionserve.training;

/**
 * The network's results on a test set, in inference mode.
 *
 * @param loss mean label-smoothed cross-entropy of the main head
 * @param confusion counts, row = true class, column = predicted class
 */
public record Evaluation(double loss, double top1, double top5, int[][] confusion) {

    /** Each class's top-1 accuracy: the diagonal over the row sums (NaN for a class with no images). */
    public double[] perClassAccuracy() {
        double[] accuracy = new double[confusion.length];
        for (int i = 0; i < confusion.length; i++) {
            long total = 0;
            for (int count : confusion[i]) {
                total += count;
            }
            accuracy[i] = total == 0 ? Double.NaN : (double) confusion[i][i] / total;
        }
        return accuracy;
    }

    /** Adds up batches of logits into an {@link Evaluation}. */
    static final class Tally {
        private final int numClasses;
        private final int[][] confusion;
        private double lossSum;
        private long top1;
        private long top5;
        private long count;

        Tally(int numClasses) {
            this.numClasses = numClasses;
            this.confusion = new int[numClasses][numClasses];
        }

        /**
         * @param logits row-major batch × classes
         * @param labels the batch's true classes
         * @param meanLoss the batch's mean loss
         */
        void add(float[] logits, long[] labels, int batchSize, double meanLoss) {
            for (int i = 0; i < batchSize; i++) {
                int label = (int) labels[i];
                int offset = i * numClasses;
                float trueScore = logits[offset + label];
                int predicted = 0;
                int higher = 0;
                for (int k = 0; k < numClasses; k++) {
                    float score = logits[offset + k];
                    if (score > logits[offset + predicted]) {
                        predicted = k;
                    }
                    if (score > trueScore) {
                        higher++;
                    }
                }
                confusion[label][predicted]++;
                top1 += higher == 0 ? 1 : 0;
                top5 += higher < 5 ? 1 : 0;
            }
            lossSum += meanLoss * batchSize;
            count += batchSize;
        }

        Evaluation result() {
            return new Evaluation(lossSum / count, (double) top1 / count, (double) top5 / count, confusion);
        }
    }
}
