package io.inceptionserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;
import io.inceptionserve.model.blocks.BasicConv2d;
import io.inceptionserve.model.blocks.InceptionNetwork;
import org.junit.jupiter.api.Test;

class ScopingTest {

    @Test
    void inferenceLeavesOnlyTheInputAndTheLogitsInTheCallersManager() {
        try (NDManager parameters = Networks.newManager()) {
            InceptionNetwork network = Architecture.GOOGLENET_BN.build(10, 3, true);
            Networks.initialize(network, parameters, 1, 3, 64);

            try (NDManager call = parameters.newSubManager()) {
                NDList input = Networks.randomImages(call, 1, 3, 64);
                NDList outputs = Networks.forward(network, call, input, false);

                // getManagedArrays also counts arrays left in any unclosed sub-manager.
                assertThat(call.getManagedArrays()).hasSize(2).containsExactlyInAnyOrder(input.head(), outputs.head());
            }
        }
    }

    @Test
    void trainingLeavesOnlyTheInputAndTheOutputsInTheCallersManager() {
        try (NDManager parameters = Networks.newManager()) {
            Architecture architecture = Architecture.INCEPTION_V2;
            int size = architecture.minInputSize();
            InceptionNetwork network = architecture.build(10, 3, true);
            Networks.initialize(network, parameters, 2, 3, size);

            try (NDManager call = parameters.newSubManager()) {
                NDList outputs = Networks.forward(network, call, Networks.randomImages(call, 2, 3, size), true);

                assertThat(outputs).hasSize(2);
                assertThat(call.getManagedArrays()).hasSize(1 + outputs.size());
            }
        }
    }

    @Test
    void theCountSeesTheIntermediatesThatAPlainSequentialBlockKeeps() {
        Block scoped = BasicConv2d.WITH_BATCH_NORM.same(8, 3, 3);
        Block plain = new SequentialBlock()
                .addAll(BasicConv2d.WITH_BATCH_NORM.same(8, 3, 3).getChildren().values());

        // conv and BatchNorm outputs stay behind next to the input and the output.
        assertThat(arraysLeftAfterForward(plain)).isEqualTo(4);
        assertThat(arraysLeftAfterForward(scoped)).isEqualTo(2);
    }

    private static int arraysLeftAfterForward(Block block) {
        try (NDManager parameters = Networks.newManager()) {
            Networks.initialize(block, parameters, 1, 3, 8);
            try (NDManager call = parameters.newSubManager()) {
                Networks.forward(block, call, Networks.randomImages(call, 1, 3, 8), false);
                return call.getManagedArrays().size();
            }
        }
    }

    @Test
    void gradientsReachEveryTrainableParameterAfterAScopedForward() {
        try (NDManager manager = Networks.newManager()) {
            InceptionNetwork network = Architecture.GOOGLENET_BN.build(10, 3, true);
            Networks.initialize(network, manager, 2, 3, 64);
            Loss loss = Loss.softmaxCrossEntropyLoss();
            NDList labels = new NDList(manager.create(new float[] {3, 7}));

            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDList outputs = Networks.forward(network, manager, Networks.randomImages(manager, 2, 3, 64), true);
                assertThat(outputs).hasSize(3);
                // The paper's training loss: main + 0.3 · each auxiliary loss.
                NDArray total = loss.evaluate(labels, new NDList(outputs.get(0)));
                for (NDArray aux : outputs.subNDList(1)) {
                    total = total.add(loss.evaluate(labels, new NDList(aux)).mul(0.3f));
                }
                collector.backward(total);
            }

            for (Parameter parameter : network.getParameters().values()) {
                if (parameter.requiresGradient()) {
                    NDArray gradient = parameter.getArray().getGradient();
                    assertThat(gradient.abs().sum().getFloat())
                            .as(parameter.getName())
                            .isGreaterThan(0f);
                }
            }
        }
    }
}
