package io.inceptionserve.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.loss.Loss;
import io.inceptionserve.model.OfflineEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LabelSmoothingLossTest {

    private static final float[][] LOGITS = {{2.0f, 1.0f, 0.1f}, {0.5f, 2.5f, -1.0f}};
    private static final long[] LABELS = {0, 2};

    @BeforeAll
    static void engine() {
        OfflineEngine.pytorch();
    }

    /** −Σ_k q_k·log softmax(z)_k with q = (1 − ε)·one_hot + ε/K, averaged over the samples, in doubles. */
    private static double byHand(float[][] logits, long[] labels, double epsilon) {
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            int k = logits[i].length;
            double sumExp = 0;
            for (float z : logits[i]) {
                sumExp += Math.exp(z);
            }
            for (int c = 0; c < k; c++) {
                double q = (c == labels[i] ? 1 - epsilon : 0) + epsilon / k;
                total -= q * (logits[i][c] - Math.log(sumExp));
            }
        }
        return total / logits.length;
    }

    private static float loss(LabelSmoothingLoss loss, float[][]... heads) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList predictions = new NDList();
            for (float[][] head : heads) {
                predictions.add(manager.create(head));
            }
            return loss.evaluate(new NDList(manager.create(LABELS)), predictions)
                    .getFloat();
        }
    }

    @Test
    void equalsCrossEntropyAgainstTheSmoothedTargets() {
        // 2 samples, 3 classes, ε = 0.1: hand value ≈ 1.6357, far from the broken CE·(1−ε)+ε/K.
        double expected = byHand(LOGITS, LABELS, 0.1);

        assertThat(loss(new LabelSmoothingLoss(0.1f, 0.3f), LOGITS)).isCloseTo((float) expected, within(1e-5f));
        double brokenVariant = byHand(LOGITS, LABELS, 0) * 0.9 + 0.1 / 3;
        assertThat(Math.abs(expected - brokenVariant)).isGreaterThan(0.01);
    }

    @Test
    void withoutSmoothingItIsDjlsSoftmaxCrossEntropy() {
        float djl;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = manager.create(LOGITS);
            djl = Loss.softmaxCrossEntropyLoss()
                    .evaluate(new NDList(manager.create(LABELS)), new NDList(logits))
                    .getFloat();
        }

        assertThat(loss(new LabelSmoothingLoss(0f, 0.3f), LOGITS)).isCloseTo(djl, within(1e-6f));
        assertThat((double) djl).isCloseTo(byHand(LOGITS, LABELS, 0), within(1e-5));
    }

    @Test
    void addsEachAuxiliaryHeadWithItsWeight() {
        float[][] aux = {{0f, 0f, 0f}, {1f, 0f, 3f}};
        double expected = byHand(LOGITS, LABELS, 0.1) + 0.3 * byHand(aux, LABELS, 0.1) * 2;

        float actual = loss(new LabelSmoothingLoss(0.1f, 0.3f), LOGITS, aux, aux);

        assertThat((double) actual).isCloseTo(expected, within(1e-5));
    }
}
