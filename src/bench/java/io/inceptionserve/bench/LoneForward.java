package io.inceptionserve.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.model.CpuFeatures;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.model.Precision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The in-process reference for the service's one-client forward pass: each model directory's
 * inference form, in the precision the service would pick, runs batch-1 forward passes on this
 * thread alone, the models in turn, and the median and 90th percentile of each are printed. Run
 * it with the service's libtorch thread count and compare with what {@code
 * src/bench/python/one_client.py} reports for the same models. Self-contained, so it also runs
 * against an older build's classes with Java's source launcher:
 *
 * <pre>
 * java -Dai.djl.pytorch.num_threads=1 -cp 'BOOT-INF/classes:BOOT-INF/lib/*' \
 *     src/bench/java/io/inceptionserve/bench/LoneForward.java ROUNDS MODEL_DIRECTORY...
 * </pre>
 */
public final class LoneForward {

    private static final int UNTIMED_ROUNDS = 10;

    private LoneForward() {}

    private record Input(float[] pixels, Shape shape) {}

    private static final class Softmax implements NoBatchifyTranslator<Input, float[]> {
        @Override
        public NDList processInput(TranslatorContext ctx, Input input) {
            return new NDList(ctx.getNDManager().create(input.pixels(), input.shape()));
        }

        @Override
        public float[] processOutput(TranslatorContext ctx, NDList list) {
            return list.get(0).softmax(1).toFloatArray();
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        OfflineEngine.pytorch();
        Map<String, Predictor<Input, float[]>> predictors = new LinkedHashMap<>();
        Map<String, Input> inputs = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            ModelArtifact artifact = ModelArtifact.open(Path.of(args[i]));
            Precision precision = artifact.manifest()
                    .precisionSetting()
                    .resolve(Device.cpu(), CpuFeatures.detect())
                    .precision();
            Model model = Model.newInstance(artifact.name(), Device.cpu(), "PyTorch");
            model.setBlock(artifact.newInferenceBlock(model.getNDManager(), precision));
            int channels = artifact.manifest().input().channels();
            int size = artifact.manifest().input().size();
            predictors.put(artifact.name() + " (" + precision.id() + ")", model.newPredictor(new Softmax()));
            inputs.put(
                    artifact.name() + " (" + precision.id() + ")",
                    new Input(new float[channels * size * size], new Shape(1, channels, size, size)));
        }
        Map<String, List<Double>> passes = new LinkedHashMap<>();
        predictors.keySet().forEach(name -> passes.put(name, new ArrayList<>()));
        for (int round = 0; round < UNTIMED_ROUNDS + rounds; round++) {
            for (var entry : predictors.entrySet()) {
                long started = System.nanoTime();
                entry.getValue().predict(inputs.get(entry.getKey()));
                if (round >= UNTIMED_ROUNDS) {
                    passes.get(entry.getKey()).add((System.nanoTime() - started) / 1e6);
                }
            }
        }
        System.out.printf(
                "libtorch threads per operator: %s%n", System.getProperty("ai.djl.pytorch.num_threads", "default"));
        passes.forEach((name, millis) -> {
            Collections.sort(millis);
            System.out.printf(
                    "%s: forward median %.1f ms, p90 %.1f ms%n",
                    name, millis.get(millis.size() / 2), millis.get(millis.size() * 9 / 10));
        });
    }
}
