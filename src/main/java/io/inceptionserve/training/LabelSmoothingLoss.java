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
 * Labels are {@code NDList(classIndices)}, int64.
 */
final class LabelSmoothingLoss extends Loss {

    private final float epsilon;
    private final float auxWeight;

    LabelSmoothingLoss(float epsilon, float auxWeight) {
        super("LabelSmoothingLoss");
        if (!(epsilon >= 0 && epsilon < 1)) {
            throw new IllegalArgumentException("label smoothing must be within [0, 1), was " + epsilon);
        }
        this.epsilon = epsilon;
        this.auxWeight = auxWeight;
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
        return logits.logSoftmax(1).mul(target).sum(new int[] {1}).neg().mean();
    }
}
