package io.inceptionserve.importer;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.model.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The accuracy guard of reduced precision for an imported or trained model: classifies images
 * with the model directory's network in float32 and in bfloat16 (photographs prepared as the
 * service prepares uploads, or images a training run prepared already), and counts the images
 * whose top-1 class changes. A model that keeps fewer than {@link
 * #REQUIRED_AGREEMENT} of them gets {@code "precision": "float32"} in its manifest, so that the
 * service's {@code auto} keeps it in float32, and its description says why.
 */
public final class PrecisionCheck {

    /** The share of images that must keep their top-1 class, as for the bundled models. */
    static final double REQUIRED_AGREEMENT = 0.995;

    /**
     * @param images images classified
     * @param topOneChanged images whose top-1 class differs between float32 and bfloat16
     * @param maxProbabilityDelta the largest difference of any class's probability
     */
    public record Result(int images, int topOneChanged, double maxProbabilityDelta) {

        double agreement() {
            return 1 - (double) topOneChanged / images;
        }

        public boolean passes() {
            return agreement() >= REQUIRED_AGREEMENT;
        }

        public String describe() {
            return String.format(
                    Locale.ROOT,
                    "bfloat16 changed the top-1 class of %d of %d check images (%.1f %% kept, %.1f %% required),"
                            + " max |Δp| %.4f",
                    topOneChanged,
                    images,
                    100 * agreement(),
                    100 * REQUIRED_AGREEMENT,
                    maxProbabilityDelta);
        }
    }

    private PrecisionCheck() {}

    /** Compares float32 and bfloat16 on {@code photos}, the files as clients would upload them. */
    static Result run(Path modelDirectory, List<Path> photos) throws IOException {
        ImagePreprocessor preprocessor =
                new ImagePreprocessor(ModelArtifact.open(modelDirectory).manifest());
        List<float[]> prepared = new ArrayList<>();
        for (Path photo : photos) {
            prepared.add(preprocessor.prepare(Files.readAllBytes(photo)));
        }
        return runPrepared(modelDirectory, prepared);
    }

    /**
     * Compares float32 and bfloat16 on images already prepared as the model's manifest says
     * (channels × size × size each).
     */
    public static Result runPrepared(Path modelDirectory, List<float[]> images) {
        ModelArtifact artifact = ModelArtifact.open(modelDirectory);
        int channels = artifact.manifest().input().channels();
        int size = artifact.manifest().input().size();
        try (Model float32 = artifact.newInferenceModel(Device.cpu(), Precision.FLOAT32);
                Model bfloat16 = artifact.newInferenceModel(Device.cpu(), Precision.BFLOAT16);
                Predictor<float[], float[]> reference = float32.newPredictor(new Softmax(channels, size));
                Predictor<float[], float[]> reduced = bfloat16.newPredictor(new Softmax(channels, size))) {
            int changed = 0;
            double maxDelta = 0;
            for (float[] pixels : images) {
                float[] expected = reference.predict(pixels);
                float[] actual = reduced.predict(pixels);
                if (argMax(expected) != argMax(actual)) {
                    changed++;
                }
                for (int c = 0; c < expected.length; c++) {
                    maxDelta = Math.max(maxDelta, Math.abs(expected[c] - actual[c]));
                }
            }
            return new Result(images.size(), changed, maxDelta);
        } catch (TranslateException e) {
            throw new IllegalStateException("the precision check's forward pass failed: " + e.getMessage(), e);
        }
    }

    /**
     * Acts on the check's verdict: a model that fails it is pinned to float32 ({@link
     * #keepFloat32}).
     *
     * @return one line saying what the check found and what it means for the model
     */
    public static String apply(Path modelDirectory, Result result) throws IOException {
        if (result.passes()) {
            return "Precision check passed: " + result.describe() + "; the service may run it in bfloat16";
        }
        keepFloat32(modelDirectory, result);
        return "Precision check failed: " + result.describe() + "; the manifest keeps it in float32";
    }

    /** Pins the model directory's manifest to float32, saying why in its description. */
    static ModelManifest keepFloat32(Path modelDirectory, Result result) throws IOException {
        ModelManifest manifest = ModelArtifact.open(modelDirectory).manifest();
        ModelManifest pinned = manifest.withPrecision(Precision.FLOAT32)
                .withDescription(manifest.description() + "; kept in float32: " + result.describe());
        ModelArtifact.writeManifest(modelDirectory, pinned);
        return pinned;
    }

    private static int argMax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** One prepared image in, its class probabilities out, computed in float32 from the logits. */
    private record Softmax(int channels, int size) implements NoBatchifyTranslator<float[], float[]> {
        @Override
        public NDList processInput(TranslatorContext ctx, float[] pixels) {
            return new NDList(ctx.getNDManager().create(pixels, new Shape(1, channels, size, size)));
        }

        @Override
        public float[] processOutput(TranslatorContext ctx, NDList list) {
            return list.get(0).softmax(1).toFloatArray();
        }
    }
}
