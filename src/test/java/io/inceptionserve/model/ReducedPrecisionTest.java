package io.inceptionserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.image.ImagePreprocessor;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The bfloat16 inference form of the bundled models, on real images and the real engine. */
class ReducedPrecisionTest {

    private static final List<String> IMAGES = List.of("ankle-boot.png", "pullover.jpg", "trouser.png");

    @ParameterizedTest
    @ValueSource(strings = {"googlenet", "googlenet-bn", "inception-v2"})
    void bfloat16GivesTheSameTop1AsFloat32OnRealImages(String name) throws IOException {
        ModelArtifact artifact = bundled(name);
        try (NDManager manager = Networks.newManager()) {
            NDArray images = images(artifact, manager);
            NDArray float32 = forward(artifact.newInferenceBlock(manager, Precision.FLOAT32), manager, images);
            NDArray bfloat16 = forward(artifact.newInferenceBlock(manager, Precision.BFLOAT16), manager, images);

            assertThat(bfloat16.getShape())
                    .isEqualTo(new Shape(IMAGES.size(), artifact.labels().size()));
            assertThat(bfloat16.argMax(1).toLongArray())
                    .isEqualTo(float32.argMax(1).toLongArray());
            float scale = float32.abs().max().getFloat();
            float worst = bfloat16.sub(float32).abs().max().getFloat();
            // bfloat16 keeps 8 bits of mantissa: logits move, by far less than they span.
            assertThat(worst).isGreaterThan(0f).isLessThan(0.1f * scale);
        }
    }

    @Test
    void float16AlsoRunsWhenAskedFor() throws IOException {
        ModelArtifact artifact = bundled("googlenet-bn");
        try (NDManager manager = Networks.newManager()) {
            NDArray images = images(artifact, manager);
            NDArray float32 = forward(artifact.newInferenceBlock(manager, Precision.FLOAT32), manager, images);
            NDArray float16 = forward(artifact.newInferenceBlock(manager, Precision.FLOAT16), manager, images);

            assertThat(float16.argMax(1).toLongArray())
                    .isEqualTo(float32.argMax(1).toLongArray());
        }
    }

    @Test
    void autoKeepsFloat32OnACpuWithoutBfloat16AndPicksBfloat16WithIt() {
        CpuFeatures without = CpuFeatures.fromFlags(List.of("fpu", "avx2", "avx512f", "avx512_vnni"));
        CpuFeatures with = CpuFeatures.fromCpuinfo("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16\n");

        assertThat(Precision.AUTO.resolve(Device.cpu(), without).precision()).isEqualTo(Precision.FLOAT32);
        assertThat(Precision.AUTO.resolve(Device.cpu(), with).precision()).isEqualTo(Precision.BFLOAT16);
        assertThat(Precision.FLOAT32.resolve(Device.cpu(), with).precision()).isEqualTo(Precision.FLOAT32);
    }

    private static NDArray forward(Block block, NDManager manager, NDArray images) {
        return Networks.forward(block, manager, new NDList(images), false).singletonOrThrow();
    }

    private static ModelArtifact bundled(String name) {
        return ModelArtifact.open(
                name, fileName -> ReducedPrecisionTest.class.getResourceAsStream("/models/" + name + "/" + fileName));
    }

    private static NDArray images(ModelArtifact artifact, NDManager manager) throws IOException {
        ImagePreprocessor preprocessor = new ImagePreprocessor(artifact.manifest());
        int size = artifact.manifest().input().size();
        int channels = artifact.manifest().input().channels();
        float[] pixels = new float[IMAGES.size() * channels * size * size];
        for (int i = 0; i < IMAGES.size(); i++) {
            try (InputStream in = ReducedPrecisionTest.class.getResourceAsStream("/images/" + IMAGES.get(i))) {
                float[] image = preprocessor.prepare(in.readAllBytes());
                System.arraycopy(image, 0, pixels, i * image.length, image.length);
            }
        }
        return manager.create(pixels, new Shape(IMAGES.size(), channels, size, size));
    }
}
