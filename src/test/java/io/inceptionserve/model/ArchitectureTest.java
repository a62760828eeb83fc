package io.inceptionserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.inceptionserve.model.blocks.InceptionNetwork;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ArchitectureTest {

    @Test
    void idsRoundTrip() {
        assertThat(Architecture.fromId("googlenet")).isEqualTo(Architecture.GOOGLENET);
        assertThat(Architecture.fromId("googlenet-bn")).isEqualTo(Architecture.GOOGLENET_BN);
        assertThat(Architecture.fromId("inception-v2")).isEqualTo(Architecture.INCEPTION_V2);
        assertThat(Architecture.fromId("inception-v3")).isEqualTo(Architecture.INCEPTION_V3);
        for (Architecture architecture : Architecture.values()) {
            assertThat(Architecture.fromId(architecture.id())).isEqualTo(architecture);
        }
    }

    @Test
    void unknownIdListsTheValidOnes() {
        assertThatThrownBy(() -> Architecture.fromId("resnet50"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resnet50")
                .hasMessageContaining("googlenet, googlenet-bn, inception-v2");
    }

    @Test
    void defaultInputSizesAreThePapers() {
        assertThat(Architecture.GOOGLENET.defaultInputSize()).isEqualTo(224);
        assertThat(Architecture.GOOGLENET_BN.defaultInputSize()).isEqualTo(224);
        assertThat(Architecture.INCEPTION_V2.defaultInputSize()).isEqualTo(299);
        assertThat(Architecture.INCEPTION_V3.defaultInputSize()).isEqualTo(299);
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void acceptsItsMinimumInputSizeAndNothingSmaller(Architecture architecture) {
        int min = architecture.minInputSize();
        try (NDManager manager = Networks.newManager()) {
            InceptionNetwork network = architecture.build(10, 3, false);
            Networks.initialize(network, manager, 1, 3, min);

            NDList outputs = Networks.forward(network, manager, Networks.randomImages(manager, 1, 3, min), false);
            assertThat(outputs.getShapes()).containsExactly(new Shape(1, 10));

            assertThatThrownBy(() ->
                            Networks.forward(network, manager, Networks.randomImages(manager, 1, 3, min - 1), false))
                    .isInstanceOf(EngineException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void auxOutputsExistInTrainingOnly(Architecture architecture) {
        int auxHeads = architecture == Architecture.INCEPTION_V2 || architecture == Architecture.INCEPTION_V3 ? 1 : 2;
        int size = smallestSizeWithAux(architecture);
        try (NDManager manager = Networks.newManager()) {
            InceptionNetwork withAux = architecture.build(10, 3, true);
            InceptionNetwork withoutAux = architecture.build(10, 3, false);
            // Batch 2: BatchNorm in training needs more than one value per channel.
            Networks.initialize(withAux, manager, 2, 3, size);
            Networks.initialize(withoutAux, manager, 2, 3, size);
            NDList images = Networks.randomImages(manager, 2, 3, size);

            assertThat(Networks.forward(withAux, manager, images, true).getShapes())
                    .hasSize(1 + auxHeads)
                    .containsOnly(new Shape(2, 10));
            assertThat(Networks.forward(withAux, manager, images, false).getShapes())
                    .containsExactly(new Shape(2, 10));
            assertThat(Networks.forward(withoutAux, manager, images, true).getShapes())
                    .containsExactly(new Shape(2, 10));
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void parametersSurviveDjlsSaveAndLoad(Architecture architecture) throws Exception {
        int size = smallestSizeWithAux(architecture);
        try (NDManager manager = Networks.newManager()) {
            InceptionNetwork saved = architecture.build(10, 3, true);
            Networks.initialize(saved, manager, 1, 3, size);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            saved.saveParameters(new DataOutputStream(bytes));

            InceptionNetwork loaded = architecture.build(10, 3, true);
            loaded.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));

            NDList images = Networks.randomImages(manager, 1, 3, size);
            NDArray expected = Networks.forward(saved, manager, images, false).head();
            NDArray actual = Networks.forward(loaded, manager, images, false).head();
            assertThat(actual.allClose(expected)).isTrue();
        }
    }

    /** Inception-v3's aux head, torchvision's fixed 5×5/3 pool then 5×5 conv, needs 299 px. */
    private static int smallestSizeWithAux(Architecture architecture) {
        return architecture == Architecture.INCEPTION_V3 ? 299 : architecture.minInputSize();
    }
}
