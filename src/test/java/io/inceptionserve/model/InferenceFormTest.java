package io.inceptionserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.util.Pair;
import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.model.blocks.AuxiliaryClassifier;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.inferenceform.FoldedConv2d;
import io.inceptionserve.model.inferenceform.InferenceForm;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class InferenceFormTest {

    private static final List<String> IMAGES = List.of("ankle-boot.png", "pullover.jpg", "trouser.png");
    private static final int CLASSES = 10;
    private static final float RELATIVE_TOLERANCE = 1e-4f;

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void foldedLogitsEqualTheTrainedNetworksOnRealImages(Architecture architecture) throws IOException {
        try (NDManager manager = Networks.newManager()) {
            Engine.getInstance().setRandomSeed(7);
            // Half the design size keeps the test fast; folding does not depend on it. Inception-v3's
            // auxiliary head, like torchvision's, only fits its full 299 px input.
            int size = architecture == Architecture.INCEPTION_V3
                    ? architecture.defaultInputSize()
                    : Math.max(architecture.minInputSize(), architecture.defaultInputSize() / 2);
            InceptionNetwork trained = architecture.build(CLASSES, 3, true);
            Networks.initialize(trained, manager, IMAGES.size(), 3, size);
            NDList images = realImages(manager, size);
            giveBatchNormRealStatistics(trained, manager, images);
            Map<String, float[]> parametersBefore = values(trained);

            Block inference = InferenceForm.of(trained, manager);
            NDArray expected = Networks.forward(trained, manager, images, false).singletonOrThrow();
            NDArray folded = Networks.forward(inference, manager, images, false).singletonOrThrow();

            assertThat(folded.getShape()).isEqualTo(new Shape(IMAGES.size(), CLASSES));
            float scale = expected.abs().max().getFloat();
            assertThat(scale).as("logits are not all zero").isGreaterThan(1e-3f);
            float worst = folded.sub(expected).abs().max().getFloat();
            assertThat(worst / scale).isLessThanOrEqualTo(RELATIVE_TOLERANCE);
            assertThat(values(trained))
                    .as("the trained network's parameters are untouched")
                    .containsExactlyInAnyOrderEntriesOf(parametersBefore);
        }
    }

    @Test
    void theInferenceFormHasNoBatchNormDropoutAuxiliaryHeadOrTrainableParameter() {
        try (NDManager manager = Networks.newManager()) {
            InceptionNetwork trained = Architecture.INCEPTION_V2.build(CLASSES, 3, true);
            Networks.initialize(trained, manager, 2, 3, Architecture.INCEPTION_V2.minInputSize());

            Block inference = InferenceForm.of(trained, manager);

            List<Block> blocks = descendants(inference);
            assertThat(blocks)
                    .noneMatch(block -> block instanceof BatchNorm)
                    .noneMatch(block -> block instanceof Dropout)
                    .noneMatch(block -> block instanceof AuxiliaryClassifier)
                    .anyMatch(block -> block instanceof FoldedConv2d);
            assertThat(inference.getParameters().values()).isNotEmpty().noneMatch(Parameter::requiresGradient);
            // The trained form keeps what training needs.
            assertThat(descendants(trained))
                    .anyMatch(block -> block instanceof BatchNorm)
                    .anyMatch(block -> block instanceof AuxiliaryClassifier);
            assertThat(Networks.forward(trained, manager, Networks.randomImages(manager, 2, 3, 75), true))
                    .as("logits and the auxiliary logits")
                    .hasSize(2);
        }
    }

    @Test
    void theInferenceFormOwnsItsParameters() {
        try (NDManager manager = Networks.newManager()) {
            InceptionNetwork trained = Architecture.GOOGLENET.build(CLASSES, 3, false);
            Networks.initialize(trained, manager, 1, 3, 64);
            Block inference;
            try (NDManager inferenceManager = manager.newSubManager()) {
                inference = InferenceForm.of(trained, inferenceManager);
                // Closing the trained form's arrays leaves the inference form working.
                NDList input = Networks.randomImages(manager, 1, 3, 64);
                NDArray before =
                        Networks.forward(inference, manager, input, false).head();
                trained.getParameters().values().forEach(p -> p.getArray().close());
                NDArray after =
                        Networks.forward(inference, manager, input, false).head();
                assertThat(after.contentEquals(before)).isTrue();
            }
            // Closing the inference form's manager frees its arrays.
            assertThat(inference.getParameters().values())
                    .allMatch(parameter -> parameter.getArray().isReleased());
        }
    }

    @Test
    void aLayerItDoesNotKnowIsRefusedByName() {
        try (NDManager manager = Networks.newManager()) {
            // A BatchNorm with no convolution before it has nothing to be folded into.
            Block lonelyBatchNorm = BatchNorm.builder().build();
            Networks.initialize(lonelyBatchNorm, manager, 1, 3, 4);

            assertThatThrownBy(() -> InferenceForm.of(lonelyBatchNorm, manager))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("BatchNorm");
        }
    }

    /** The test images, prepared as a network of this size sees them (ImageNet normalisation). */
    static NDList realImages(NDManager manager, int size) throws IOException {
        ImagePreprocessor preprocessor = new ImagePreprocessor(new ModelManifest(
                "images",
                "googlenet",
                null,
                "labels.txt",
                new ModelManifest.Input(size, 3),
                new ModelManifest.Preprocessing(
                        ModelManifest.ResizePolicy.SHORTER_SIDE,
                        size,
                        new float[] {0.485f, 0.456f, 0.406f},
                        new float[] {0.229f, 0.224f, 0.225f}),
                null));
        float[] pixels = new float[IMAGES.size() * preprocessor.tensorLength()];
        for (int i = 0; i < IMAGES.size(); i++) {
            try (InputStream in = InferenceFormTest.class.getResourceAsStream("/images/" + IMAGES.get(i))) {
                float[] image = preprocessor.prepare(in.readAllBytes());
                System.arraycopy(image, 0, pixels, i * image.length, image.length);
            }
        }
        return new NDList(manager.create(pixels, new Shape(IMAGES.size(), 3, size, size)));
    }

    /**
     * An untrained BatchNorm is the identity (mean 0, var 1, γ 1, β 0), which would make folding
     * trivially right. Training-mode passes over the images move the running statistics to the
     * activations' real ones, and γ and β get random values.
     */
    private static void giveBatchNormRealStatistics(InceptionNetwork network, NDManager manager, NDList images) {
        for (int pass = 0; pass < 3; pass++) {
            Networks.forward(network, manager, images, true);
        }
        for (Block block : descendants(network)) {
            if (block instanceof BatchNorm) {
                for (Pair<String, Parameter> parameter : block.getParameters()) {
                    NDArray array = parameter.getValue().getArray();
                    switch (parameter.getKey()) {
                        case "gamma" ->
                            array.set(manager.randomUniform(0.5f, 1.5f, array.getShape())
                                    .toFloatArray());
                        case "beta" ->
                            array.set(manager.randomNormal(0, 0.2f, array.getShape(), array.getDataType())
                                    .toFloatArray());
                        default -> {}
                    }
                }
            }
        }
    }

    private static Map<String, float[]> values(Block block) {
        Map<String, float[]> values = new HashMap<>();
        block.getParameters()
                .forEach(p -> values.put(p.getKey(), p.getValue().getArray().toFloatArray()));
        return values;
    }

    static List<Block> descendants(Block block) {
        List<Block> all = new ArrayList<>();
        for (Pair<String, Block> child : block.getChildren()) {
            all.add(child.getValue());
            all.addAll(descendants(child.getValue()));
        }
        return all;
    }
}
