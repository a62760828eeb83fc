package io.inceptionserve.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Softmax cross-entropy against label-smoothed targets (LSR, "Rethinking the Inception
 * Architecture" §7): the target of a sample of class y is q = (1 − ε)·one_hot(y) + ε/K, and the
 * loss is −Σ_k q_k·log softmax(z)_k, averaged over the batch. With ε = 0 it is plain
 * cross-entropy. (Not CE·(1 − ε) + ε/K, a constant shift of plain CE that smooths nothing.)
 *
 * <p>Predictions are the network's outputs: {@code NDList(logits, aux…)} in training, where each
 * auxiliary head adds {@code auxWeight} times its own loss; {@code NDList(logits)} in inference.
 * Labels are {@code NDList(classIndices)}, int64. With class weights, each image's loss is
 * multiplied by its class's weight before the mean.
 */
final class LabelSmoothingLoss extends Loss {

    private final float epsilon;
    private final float auxWeight;
    private final float[] classWeights;

    LabelSmoothingLoss(float epsilon, float auxWeight) {
        this(epsilon, auxWeight, null);
    }

    /** @param classWeights one weight per class, or {@code null} to weight every image alike */
    LabelSmoothingLoss(float epsilon, float auxWeight, float[] classWeights) {
        super("LabelSmoothingLoss");
        if (!(epsilon >= 0 && epsilon < 1)) {
            throw new IllegalArgumentException("label smoothing must be within [0, 1), was " + epsilon);
        }
        this.epsilon = epsilon;
        this.auxWeight = auxWeight;
        this.classWeights = classWeights;
    }

    /**
     * Inverse-frequency weights, N / (K · n_c), so that every class weighs as much in total; 1 for
     * every class of a balanced set.
     */
    static float[] inverseFrequency(int[] countsPerClass) {
        long total = java.util.Arrays.stream(countsPerClass).asLongStream().sum();
        float[] weights = new float[countsPerClass.length];
        for (int c = 0; c < weights.length; c++) {
            weights[c] = countsPerClass[c] == 0 ? 0f : (float) total / (countsPerClass.length * countsPerClass[c]);
        }
        return weights;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray classes = labels.singletonOrThrow();
        NDArray total = smoothedCrossEntropy(predictions.head(), classes);
        for (NDArray auxLogits : predictions.subNDList(1)) {
            total = total.add(smoothedCrossEntropy(auxLogits, classes).mul(auxWeight));
        }
        return total;
    }

    private NDArray smoothedCrossEntropy(NDArray logits, NDArray classes) {
        long numClasses = logits.getShape().get(1);
        NDArray target = classes.oneHot((int) numClasses).mul(1 - epsilon).add(epsilon / numClasses);
        NDArray perImage = logits.logSoftmax(1).mul(target).sum(new int[] {1}).neg();
        if (classWeights != null) {
            perImage = perImage.mul(classes.getManager().create(classWeights).get(classes));
        }
        return perImage.mean();
    }
}
