package io.inceptionserve.model;

import static io.inceptionserve.model.Networks.shapeBefore;
import static io.inceptionserve.model.Networks.shapeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.Pair;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.inceptionv3.InceptionA;
import io.inceptionserve.model.inceptionv3.InceptionB;
import io.inceptionserve.model.inceptionv3.InceptionV3;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class InceptionV3Test {

    /** torchvision's Inception_V3_Weights meta "num_params": with AuxLogits, 1000 classes. */
    private static final long TORCHVISION_INCEPTION_V3_PARAMETERS = 27_161_264;

    private static NDManager manager;

    /** With AuxLogits, at 299 px: initialising one is slow, so the tests share it. */
    private static InceptionNetwork network;

    @BeforeAll
    static void buildNetwork() {
        manager = Networks.newManager();
        network = Architecture.INCEPTION_V3.build(1000, 3, true);
        // Batch 2: BatchNorm in training needs more than one value per channel.
        Networks.initialize(network, manager, 2, 3, 299);
    }

    @AfterAll
    static void closeManager() {
        manager.close();
    }

    @Test
    void everyStemLayerStageAndModuleHasTorchvisionsShapeAt299() {
        List<Pair<String, Shape>> shapes =
                Networks.shapesAlongForward(network, manager, Networks.randomImages(manager, 1, 3, 299));

        // The shapes torchvision's Inception3._forward comments give.
        assertThat(shapeOf(shapes, "Conv2d_1a_3x3")).isEqualTo(new Shape(1, 32, 149, 149));
        assertThat(shapeOf(shapes, "Conv2d_2a_3x3")).isEqualTo(new Shape(1, 32, 147, 147));
        assertThat(shapeOf(shapes, "Conv2d_2b_3x3")).isEqualTo(new Shape(1, 64, 147, 147));
        assertThat(shapeOf(shapes, "maxpool1")).isEqualTo(new Shape(1, 64, 73, 73));
        assertThat(shapeOf(shapes, "Conv2d_3b_1x1")).isEqualTo(new Shape(1, 80, 73, 73));
        assertThat(shapeOf(shapes, "Conv2d_4a_3x3")).isEqualTo(new Shape(1, 192, 71, 71));
        assertThat(shapeOf(shapes, "stem")).isEqualTo(new Shape(1, 192, 35, 35));
        assertThat(shapeOf(shapes, "mixed5")).isEqualTo(new Shape(1, 288, 35, 35));
        assertThat(shapeOf(shapes, "mixed6")).isEqualTo(new Shape(1, 768, 17, 17));
        assertThat(shapeOf(shapes, "mixed7")).isEqualTo(new Shape(1, 2048, 8, 8));
        assertThat(shapeOf(shapes, "head")).isEqualTo(new Shape(1, 1000));
        for (InceptionV3.ModuleSpec spec : InceptionV3.MODULES) {
            String name = "Mixed_" + spec.name();
            assertThat(shapeBefore(shapes, name).get(1)).as(name + " in").isEqualTo(spec.in());
            assertThat(shapeOf(shapes, name).get(1)).as(name + " out").isEqualTo(spec.out());
        }
    }

    @Test
    void hasExactlyTorchvisionsParameterCount() {
        long withAux = Networks.trainableParameterCount(network);
        long withoutAux;
        try (NDManager other = Networks.newManager()) {
            InceptionNetwork inference = Architecture.INCEPTION_V3.build(1000, 3, false);
            Networks.initialize(inference, other, 1, 3, Architecture.INCEPTION_V3.minInputSize());
            withoutAux = Networks.trainableParameterCount(inference);
        }

        assertThat(withAux).isEqualTo(TORCHVISION_INCEPTION_V3_PARAMETERS);
        // AuxLogits: conv0 768·128 + BN 2·128, conv1 128·768·25 + BN 2·768, fc 768·1000 + 1000.
        assertThat(withAux - withoutAux).isEqualTo(768 * 128 + 2 * 128 + 128 * 768 * 25 + 2 * 768 + 768 * 1000 + 1000);
    }

    @Test
    void auxHeadRunsOutOfGridBelow299Pixels() {
        // At 299 it works: ArchitectureTest.auxOutputsExistInTrainingOnly.
        assertThatThrownBy(() -> Networks.forward(network, manager, Networks.randomImages(manager, 2, 3, 298), true))
                .isInstanceOf(EngineException.class);
    }

    @Test
    void tableRowsWhoseBranchesDoNotFitTheModuleAreRejected() {
        // A grid reduction with a 1×1 branch, a module with a 1×1 branch but no projection.
        assertThatThrownBy(() -> new InceptionB(new InceptionV3.ModuleSpec("x", 1, 64, 0, 1, 1, 1, 0, 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new InceptionA(new InceptionV3.ModuleSpec("x", 1, 64, 1, 1, 1, 1, 0, 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
