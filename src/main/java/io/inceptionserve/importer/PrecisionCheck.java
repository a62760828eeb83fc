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
import java.util.List;
import java.util.Locale;

/**
 * The accuracy guard of reduced precision for an imported model: classifies photographs with the
 * model directory's network in float32 and in bfloat16, as the service prepares uploads, and
 * counts the photos whose top-1 class changes. A model that keeps fewer than {@link
 * #REQUIRED_AGREEMENT} of them gets {@code "precision": "float32"} in its manifest, so that the
 * service's {@code auto} keeps it in float32, and its description says why.
 */
final class PrecisionCheck {

    /** The share of images that must keep their top-1 class, as for the bundled models. */
    static final double REQUIRED_AGREEMENT = 0.995;

    /**
     * @param images photos classified
     * @param topOneChanged photos whose top-1 class differs between float32 and bfloat16
     * @param maxProbabilityDelta the largest difference of any class's probability
     */
    record Result(int images, int topOneChanged, double maxProbabilityDelta) {

        double agreement() {
            return 1 - (double) topOneChanged / images;
        }

        boolean passes() {
            return agreement() >= REQUIRED_AGREEMENT;
        }

        String describe() {
            return String.format(
                    Locale.ROOT,
                    "bfloat16 changed the top-1 class of %d of %d check photos (%.1f %% kept, %.1f %% required),"
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
        ModelArtifact artifact = ModelArtifact.open(modelDirectory);
        ImagePreprocessor preprocessor = new ImagePreprocessor(artifact.manifest());
        int channels = artifact.manifest().input().channels();
        int size = artifact.manifest().input().size();
        try (Model float32 = artifact.newInferenceModel(Device.cpu(), Precision.FLOAT32);
                Model bfloat16 = artifact.newInferenceModel(Device.cpu(), Precision.BFLOAT16);
                Predictor<float[], float[]> reference = float32.newPredictor(new Softmax(channels, size));
                Predictor<float[], float[]> reduced = bfloat16.newPredictor(new Softmax(channels, size))) {
            int changed = 0;
            double maxDelta = 0;
            for (Path photo : photos) {
                float[] pixels = preprocessor.prepare(Files.readAllBytes(photo));
                float[] expected = reference.predict(pixels);
                float[] actual = reduced.predict(pixels);
                if (argMax(expected) != argMax(actual)) {
                    changed++;
                }
                for (int c = 0; c < expected.length; c++) {
                    maxDelta = Math.max(maxDelta, Math.abs(expected[c] - actual[c]));
                }
            }
            return new Result(photos.size(), changed, maxDelta);
        } catch (TranslateException e) {
            throw new IllegalStateException("the precision check's forward pass failed: " + e.getMessage(), e);
        }
    }

    /** Pins the model directory's manifest to float32, saying why in its description. */
    static ModelManifest keepFloat32(Path modelDirectory, Result result) throws IOException {
        ModelManifest manifest = ModelArtifact.open(modelDirectory).manifest();
        ModelManifest pinned = new ModelManifest(
                        manifest.name(),
                        manifest.architecture(),
                        manifest.description(),
                        manifest.labels(),
                        manifest.input(),
                        manifest.preprocessing(),
                        manifest.weights(),
                        manifest.transformInput(),
                        Precision.FLOAT32)
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
