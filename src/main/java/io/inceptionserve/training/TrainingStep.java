package io.inceptionserve.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import io.inceptionserve.model.inferenceform.ChannelsLast;

/**
 * One optimisation step: forward, loss, backward and parameter update, in a sub-{@link NDManager}
 * closed when the step ends, so that the batch, the outputs, the loss and every temporary of the
 * step are freed then rather than when the trainer closes (docs/performance.md, "Scoping").
 *
 * <p>The batch goes in {@link ChannelsLast channels-last}: libtorch keeps that layout through the
 * network, which puts the pools, forward and backward, on their vectorised kernels.
 */
final class TrainingStep {

    /**
     * @param loss the batch's mean loss
     * @param correct images whose highest main-head logit is their label
     */
    record Result(float loss, long correct) {}

    private TrainingStep() {}

    /**
     * @param images the batch, {@code shape} in row-major order
     * @param labels class index per image
     */
    static Result run(Trainer trainer, Loss loss, float[] images, Shape shape, long[] labels) {
        try (NDManager scope = trainer.getManager().newSubManager()) {
            NDArray labelArray = scope.create(labels);
            Result result;
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDList outputs = trainer.forward(new NDList(ChannelsLast.of(scope.create(images, shape))));
                NDArray lossValue = loss.evaluate(new NDList(labelArray), outputs);
                collector.backward(lossValue);
                result = new Result(
                        lossValue.getFloat(),
                        outputs.head().argMax(1).eq(labelArray).sum().getLong());
            }
            trainer.step();
            return result;
        }
    }
}
