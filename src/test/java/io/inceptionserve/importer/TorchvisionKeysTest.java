package io.inceptionserve.importer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.inceptionserve.model.Architecture;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.blocks.TorchvisionInputTransform;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The key naming without torch at hand; TorchvisionParityTest checks it against torchvision's files. */
class TorchvisionKeysTest {

    @BeforeAll
    static void engine() {
        OfflineEngine.pytorch();
    }

    /** Counts are torchvision 0.14's state_dict entries without num_batches_tracked. */
    @ParameterizedTest
    @CsvSource({
        "googlenet-bn, true, 305", "googlenet-bn, false, 287",
        "inception-v3, true, 484", "inception-v3, false, 472"
    })
    void everyParameterHasItsOwnTorchvisionKey(String id, boolean withAux, int torchvisionTensors) {
        Architecture architecture = Architecture.fromId(id);
        try (NDManager manager = NDManager.newBaseManager()) {
            InceptionNetwork network = initialized(
                    architecture.build(1000, 3, withAux),
                    withAux ? architecture.defaultInputSize() : architecture.minInputSize(),
                    manager);

            Map<String, Parameter> keys = TorchvisionKeys.of(network);

            assertThat(keys).hasSize(torchvisionTensors).hasSameSizeAs(network.getParameters());
            if (architecture == Architecture.GOOGLENET_BN) {
                assertThat(keys)
                        .containsKeys(
                                "conv1.conv.weight",
                                "conv1.bn.running_mean",
                                "inception3a.branch2.0.conv.weight",
                                "inception3a.branch4.1.bn.running_var",
                                "inception5b.branch3.1.bn.bias",
                                "fc.weight",
                                "fc.bias");
            } else {
                assertThat(keys)
                        .containsKeys(
                                "Conv2d_1a_3x3.conv.weight",
                                "Conv2d_4a_3x3.bn.weight",
                                "Mixed_5b.branch5x5_1.conv.weight",
                                "Mixed_5b.branch_pool.bn.running_var",
                                "Mixed_6a.branch3x3.conv.weight",
                                "Mixed_6e.branch7x7dbl_5.conv.weight",
                                "Mixed_7a.branch7x7x3_4.bn.bias",
                                "Mixed_7c.branch3x3dbl_3b.conv.weight",
                                "fc.weight");
            }
            if (withAux) {
                assertThat(keys)
                        .containsKeys(
                                architecture == Architecture.GOOGLENET_BN
                                        ? new String[] {"aux1.conv.conv.weight", "aux1.fc1.weight", "aux2.fc2.bias"}
                                        : new String[] {
                                            "AuxLogits.conv0.conv.weight",
                                            "AuxLogits.conv1.bn.running_mean",
                                            "AuxLogits.fc.weight"
                                        });
            }
        }
    }

    @ParameterizedTest
    @CsvSource({
        "googlenet-bn, 02inception3_01inception3a_02branch2_010_01conv_weight, inception3a.branch2.0.conv.weight",
        "inception-v3, 02mixed5_01Mixed_5b_02_01branch5x5_1_02bn_runningMean, Mixed_5b.branch5x5_1.bn.running_mean"
    })
    void theDocumentedExampleHoldsWithAndWithoutTheInputTransform(String id, String djlName, String torchvisionKey) {
        Architecture architecture = Architecture.fromId(id);
        try (NDManager manager = NDManager.newBaseManager()) {
            int size = architecture.minInputSize();
            InceptionNetwork plain = initialized(architecture.build(10, 3, false), size, manager);
            InceptionNetwork transformed =
                    initialized(TorchvisionInputTransform.prepend(architecture.build(10, 3, false)), size, manager);

            assertThat(TorchvisionKeys.of(plain).get(torchvisionKey))
                    .isSameAs(plain.getParameters().get(djlName));
            // The transform moves every stage one position on but adds no key.
            assertThat(TorchvisionKeys.of(transformed).keySet())
                    .containsExactlyElementsOf(TorchvisionKeys.of(plain).keySet());
        }
    }

    /** Parameter shapes do not depend on the input size; the aux heads need the default one. */
    private static InceptionNetwork initialized(InceptionNetwork network, int size, NDManager manager) {
        network.initialize(manager, DataType.FLOAT32, new Shape(1, 3, size, size));
        return network;
    }
}
