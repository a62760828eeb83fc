package io.inceptionserve.serving;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

/**
 * Feeds a prepared batch to the network and returns each image's class probabilities. Every
 * array it creates belongs to the call's context and is freed when the call ends.
 */
final class ProbabilityTranslator implements NoBatchifyTranslator<ImageBatch, float[][]> {

    @Override
    public NDList processInput(TranslatorContext ctx, ImageBatch batch) {
        return new NDList(ctx.getNDManager().create(batch.pixels(), new Shape(batch.shape())));
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
        NDArray logits = list.get(0);
        int count = (int) logits.getShape().get(0);
        int classes = (int) logits.getShape().get(1);
        float[] flat = logits.softmax(1).toFloatArray();
        float[][] probabilities = new float[count][classes];
        for (int i = 0; i < count; i++) {
            System.arraycopy(flat, i * classes, probabilities[i], 0, classes);
        }
        return probabilities;
    }
}
