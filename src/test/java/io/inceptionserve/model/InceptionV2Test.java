package io.inceptionserve.model;

import static io.inceptionserve.model.Networks.shapeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.Pair;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.inceptionv2.InceptionV2;
import java.util.List;
import org.junit.jupiter.api.Test;

class InceptionV2Test {

    @Test
    void everyStemLayerStageAndModuleHasTheSpecShapeAt299() {
        try (NDManager manager = Networks.newManager()) {
            InceptionNetwork network = Architecture.INCEPTION_V2.build(1000, 3, true);
            Networks.initialize(network, manager, 1, 3, 299);

            List<Pair<String, Shape>> shapes =
                    Networks.shapesAlongForward(network, manager, Networks.randomImages(manager, 1, 3, 299));

            assertThat(shapeOf(shapes, "conv1")).isEqualTo(new Shape(1, 32, 149, 149));
            assertThat(shapeOf(shapes, "conv2")).isEqualTo(new Shape(1, 32, 147, 147));
            assertThat(shapeOf(shapes, "conv3")).isEqualTo(new Shape(1, 64, 147, 147));
            assertThat(shapeOf(shapes, "maxpool")).isEqualTo(new Shape(1, 64, 73, 73));
            assertThat(shapeOf(shapes, "conv4")).isEqualTo(new Shape(1, 80, 71, 71));
            assertThat(shapeOf(shapes, "conv5")).isEqualTo(new Shape(1, 192, 35, 35));
            assertThat(shapeOf(shapes, "stem")).isEqualTo(new Shape(1, 288, 35, 35));
            assertThat(shapeOf(shapes, "group1")).isEqualTo(new Shape(1, 768, 17, 17));
            assertThat(shapeOf(shapes, "group2")).isEqualTo(new Shape(1, 1280, 8, 8));
            assertThat(shapeOf(shapes, "group3")).isEqualTo(new Shape(1, 2048, 8, 8));
            assertThat(shapeOf(shapes, "head")).isEqualTo(new Shape(1, 1000));
            for (InceptionV2.ModuleSpec spec : InceptionV2.MODULES) {
                String name = "inception" + spec.name();
                assertThat(shapeOf(shapes, name).get(1)).as(name).isEqualTo(spec.out());
            }
        }
    }

    @Test
    void hasAbout16point7MillionParametersWithoutAuxAnd21point1WithIt() {
        long withoutAux = GoogLeNetTest.parameterCount(Architecture.INCEPTION_V2, false);
        long withAux = GoogLeNetTest.parameterCount(Architecture.INCEPTION_V2, true);

        // The expected figures (16.7 M, 21.1 M) are rounded to 0.1 M, so each allows ±0.05 M.
        assertThat(withoutAux).isCloseTo(16_700_000L, within(50_000L));
        assertThat(withAux).isCloseTo(21_100_000L, within(50_000L));
        // The aux head exactly: conv 768·128 + BN 2·128 + fc1 3200·1024 + 1024 + fc2 1024·1000 +
        // 1000.
        assertThat(withAux - withoutAux).isEqualTo(768 * 128 + 2 * 128 + 3200 * 1024 + 1024 + 1024 * 1000 + 1000);
    }

    @Test
    void tableRowsWhosePoolAndProjectionDisagreeAreRejected() {
        assertThatThrownBy(() -> new InceptionV2.ModuleSpec("x", 0, 1, 1, 1, 1, 1, InceptionV2.PoolType.MAX, 32))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
