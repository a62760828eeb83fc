package io.inceptionserve.model;

import static io.inceptionserve.model.Networks.shapeBefore;
import static io.inceptionserve.model.Networks.shapeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.Pair;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.googlenet.GoogLeNet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GoogLeNetTest {

    /** torchvision googlenet(aux_logits=False)'s parameter count. */
    private static final long TORCHVISION_GOOGLENET_PARAMETERS = 6_624_904;

    @ParameterizedTest
    @EnumSource(names = {"GOOGLENET", "GOOGLENET_BN"})
    void everyStageAndModuleHasTheSpecShapeAt224(Architecture architecture) {
        try (NDManager manager = Networks.newManager()) {
            InceptionNetwork network = architecture.build(1000, 3, true);
            Networks.initialize(network, manager, 1, 3, 224);

            List<Pair<String, Shape>> shapes =
                    Networks.shapesAlongForward(network, manager, Networks.randomImages(manager, 1, 3, 224));

            assertThat(shapeOf(shapes, "stem")).isEqualTo(new Shape(1, 192, 28, 28));
            assertThat(shapeOf(shapes, "inception3")).isEqualTo(new Shape(1, 480, 14, 14));
            assertThat(shapeOf(shapes, "inception4")).isEqualTo(new Shape(1, 832, 7, 7));
            assertThat(shapeOf(shapes, "inception5")).isEqualTo(new Shape(1, 1024, 7, 7));
            assertThat(shapeOf(shapes, "head")).isEqualTo(new Shape(1, 1000));
            for (GoogLeNet.ModuleSpec spec : GoogLeNet.MODULES) {
                String name = "inception" + spec.name();
                assertThat(shapeBefore(shapes, name).get(1)).as(name + " in").isEqualTo(spec.in());
                assertThat(shapeOf(shapes, name).get(1)).as(name + " out").isEqualTo(spec.out());
            }
        }
    }

    @Test
    void moduleTableOutputsAreTheSpecColumn() {
        assertThat(GoogLeNet.MODULES.stream().map(GoogLeNet.ModuleSpec::out))
                .containsExactly(256, 480, 512, 512, 512, 528, 832, 832, 1024);
    }

    @Test
    void batchNormVersionHasExactlyTorchvisionsParameterCount() {
        assertThat(parameterCount(Architecture.GOOGLENET_BN, false)).isEqualTo(TORCHVISION_GOOGLENET_PARAMETERS);
    }

    @Test
    void paperVersionHasAbout7MillionParameters() {
        // Derived from torchvision's count: the 5×5 third branches add red·out·(25 − 9) weights
        // each, and every conv channel has one bias instead of BatchNorm's γ and β.
        long fiveByFiveExtra = GoogLeNet.MODULES.stream()
                .mapToLong(m -> (long) m.ch5x5Reduce() * m.ch5x5() * (25 - 9))
                .sum();
        long convChannels = 64
                + 64
                + 192
                + GoogLeNet.MODULES.stream()
                        .mapToLong(m -> m.out() + m.ch3x3Reduce() + m.ch5x5Reduce())
                        .sum();
        long expected = TORCHVISION_GOOGLENET_PARAMETERS + fiveByFiveExtra - convChannels;

        long measured = parameterCount(Architecture.GOOGLENET, false);

        assertThat(measured).isEqualTo(expected).isEqualTo(6_998_552);
        // The paper-exact network is "about 7.0 M" parameters, rounded to 0.1 M, so it allows ±0.05 M.
        assertThat(measured).isCloseTo(7_000_000L, within(50_000L));
    }

    @Test
    void auxHeadsAddTorchvisionsInceptionAuxParameters() {
        // Per head: conv in·128 + BN 2·128 + fc1 2048·1024 + 1024 + fc2 1024·1000 + 1000,
        // with in = 512 after 4a and 528 after 4d.
        long auxHeads = 2 * (128 * 2 + 2048 * 1024 + 1024 + 1024 * 1000 + 1000) + (512 + 528) * 128;

        assertThat(parameterCount(Architecture.GOOGLENET_BN, true))
                .isEqualTo(TORCHVISION_GOOGLENET_PARAMETERS + auxHeads);
    }

    @Test
    void runsOnSmallSingleChannelImages() {
        try (NDManager manager = Networks.newManager()) {
            InceptionNetwork network =
                    GoogLeNet.builder().setNumClasses(10).optInputChannels(1).build();
            Networks.initialize(network, manager, 1, 1, 64);

            NDList outputs = Networks.forward(network, manager, Networks.randomImages(manager, 1, 1, 64), false);

            assertThat(outputs.getShapes()).containsExactly(new Shape(1, 10));
        }
    }

    @Test
    void rejectsAnInputWithTheWrongChannelCount() {
        try (NDManager manager = Networks.newManager()) {
            InceptionNetwork network =
                    GoogLeNet.builder().setNumClasses(10).optInputChannels(1).build();
            Networks.initialize(network, manager, 1, 1, 64);

            assertThatThrownBy(
                            () -> Networks.forward(network, manager, Networks.randomImages(manager, 1, 3, 64), false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("N×1×H×W");
        }
    }

    @Test
    void builderRejectsOtherThirdBranchKernels() {
        assertThatThrownBy(() -> GoogLeNet.builder().optThirdBranchKernel(7))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Trainable parameters with 1000 classes; the count does not depend on the input size. */
    static long parameterCount(Architecture architecture, boolean withAux) {
        try (NDManager manager = Networks.newManager()) {
            InceptionNetwork network = architecture.build(1000, 3, withAux);
            Networks.initialize(network, manager, 1, 3, architecture.minInputSize());
            return Networks.trainableParameterCount(network);
        }
    }
}
