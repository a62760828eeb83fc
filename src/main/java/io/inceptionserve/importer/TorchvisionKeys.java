package io.inceptionserve.importer;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.inceptionserve.model.blocks.InceptionNetwork;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Names each parameter of a network by its torchvision state_dict key. The networks name their
 * blocks after torchvision's modules (see {@code GoogLeNet}, {@code InceptionV3}), so the key is
 * the block path without the stage, without unnamed levels (chains torchvision writes in {@code
 * forward}) and without DJL's two-digit position prefixes, with BatchNorm's parameters under
 * torch's names: {@code 02mixed5_01Mixed_5b_02_01branch5x5_1_02bn_runningMean} is {@code
 * Mixed_5b.branch5x5_1.bn.running_mean}.
 */
final class TorchvisionKeys {

    private static final Map<String, String> TORCH_NAMES = Map.of(
            "gamma", "weight",
            "beta", "bias",
            "runningMean", "running_mean",
            "runningVar", "running_var");

    /** DJL names children {@code %02d<name>}: position first, so that names are unique. */
    private static final int POSITION_DIGITS = 2;

    private TorchvisionKeys() {}

    /**
     * Maps every parameter of {@code network} (initialised) to its torchvision key, in block order.
     *
     * @throws IllegalStateException if two parameters would share a key
     */
    static Map<String, Parameter> of(InceptionNetwork network) {
        Map<String, Parameter> byKey = new LinkedHashMap<>();
        for (Block stage : network.stages().values()) {
            collect(stage, new ArrayList<>(), byKey);
        }
        return byKey;
    }

    private static void collect(Block block, List<String> path, Map<String, Parameter> byKey) {
        for (Pair<String, Parameter> parameter : block.getDirectParameters()) {
            List<String> key = new ArrayList<>(path);
            key.add(TORCH_NAMES.getOrDefault(parameter.getKey(), parameter.getKey()));
            if (byKey.put(String.join(".", key), parameter.getValue()) != null) {
                throw new IllegalStateException("two parameters map onto torchvision key " + String.join(".", key));
            }
        }
        for (Pair<String, Block> child : block.getChildren()) {
            String name = child.getKey().substring(POSITION_DIGITS);
            List<String> childPath = path;
            if (!name.isEmpty()) {
                childPath = new ArrayList<>(path);
                childPath.add(name);
            }
            collect(child.getValue(), childPath, byKey);
        }
    }
}
