package io.inceptionserve.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.artifact.ModelManifest.ResizePolicy;
import io.inceptionserve.artifact.ModelManifest.Upscale;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * Jazzer fuzzes the bytes an upload hands to {@link ImagePreprocessor#prepare(byte[])}. Whatever
 * they are, the answer is a tensor of the model's length with finite values, or an
 * {@link InvalidImageException} (which the API turns into 413, 415 or 422): never another
 * exception, an error such as {@link OutOfMemoryError}, or a decode longer than the timeout.
 *
 * <p>{@code ./mvnw verify} runs it on its seeds only: every fixture of make-fixtures.sh in
 * {@code ImagePreprocessorFuzzTestInputs/prepare}, and any finding kept there. With
 * {@code JAZZER_FUZZ=1} it fuzzes from those seeds for {@code maxDuration}, or for
 * {@code JAZZER_MAX_DURATION}; a finding is written to that directory and fails the test.
 * {@code @Timeout} bounds each input: JUnit applies it to each seed, libFuzzer to each fuzzed input
 * (the pom's fuzz profile stops JUnit from holding the whole fuzzing run to it).
 */
class ImagePreprocessorFuzzTest {

    /** Small, so that an input may declare an image just over it without each run allocating 200 MB. */
    private static final long MAX_PIXELS = 1_000_000;

    /** The bundled models' preparation (grey, stretched) and an imported torchvision model's (RGB, shorter side, crop). */
    private static final List<ImagePreprocessor> PREPROCESSORS = List.of(
            preprocessor(64, 1, ResizePolicy.STRETCH, 64, new float[] {0.286f}, new float[] {0.353f}, Upscale.BICUBIC),
            preprocessor(
                    224,
                    3,
                    ResizePolicy.SHORTER_SIDE,
                    256,
                    new float[] {0.485f, 0.456f, 0.406f},
                    new float[] {0.229f, 0.224f, 0.225f},
                    Upscale.BILINEAR));

    private static ImagePreprocessor preprocessor(
            int size, int channels, ResizePolicy policy, int resizeTo, float[] mean, float[] std, Upscale upscale) {
        return new ImagePreprocessor(
                new ModelManifest(
                        "fuzz",
                        "googlenet",
                        null,
                        "labels.txt",
                        new ModelManifest.Input(size, channels),
                        new ModelManifest.Preprocessing(policy, resizeTo, mean, std, upscale),
                        null),
                MAX_PIXELS);
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void prepare(byte[] encoded) {
        for (ImagePreprocessor preprocessor : PREPROCESSORS) {
            try {
                float[] tensor = preprocessor.prepare(encoded);
                assertThat(tensor).hasSize(preprocessor.tensorLength());
                for (int i = 0; i < tensor.length; i++) {
                    if (!Float.isFinite(tensor[i])) {
                        throw new AssertionError("tensor[" + i + "] is " + tensor[i]);
                    }
                }
            } catch (InvalidImageException refused) {
                assertThat(refused.getMessage()).isNotBlank();
            }
        }
    }
}
