package io.inceptionserve.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.inceptionserve.model.blocks.AuxiliaryClassifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Moves parameter values (BatchNorm running statistics included, DJL holds them as parameters)
 * between networks and bytes. Values are always copied into the target's existing arrays, never
 * swapped for new ones: a trainer's parameter store holds on to those arrays.
 */
final class NetworkWeights {

    private NetworkWeights() {}

    /** Every parameter of {@code block}, as DJL's NDList encoding with each array named by its key. */
    static byte[] encode(Block block) {
        NDList copies = new NDList();
        for (Pair<String, Parameter> entry : block.getParameters()) {
            NDArray copy = entry.getValue().getArray().duplicate();
            copy.setName(entry.getKey());
            copies.add(copy);
        }
        try {
            return copies.encode();
        } finally {
            copies.close();
        }
    }

    /**
     * Overwrites every parameter of {@code block} with the value of the same key in {@code
     * encoded}, after checking that the keys and shapes match exactly.
     *
     * @throws IllegalArgumentException listing every missing, surplus or misshapen parameter
     */
    static void decodeInto(Block block, byte[] encoded, NDManager manager) {
        try (NDManager scratch = manager.newSubManager()) {
            Map<String, NDArray> stored = new LinkedHashMap<>();
            NDList.decode(scratch, encoded).forEach(array -> stored.put(array.getName(), array));
            List<String> problems = new ArrayList<>();
            for (Pair<String, Parameter> entry : block.getParameters()) {
                NDArray value = stored.remove(entry.getKey());
                if (value == null) {
                    problems.add("'" + entry.getKey() + "' is missing");
                } else {
                    copy(value, entry.getValue().getArray(), entry.getKey(), problems);
                }
            }
            stored.keySet().forEach(key -> problems.add("'" + key + "' is not a parameter of this network"));
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(
                        "stored weights do not fit the network: " + String.join("; ", problems));
            }
        }
    }

    /**
     * Copies a network trained with auxiliary heads into its inference form ({@code withAux =
     * false}). The two share every layer except the heads, in the same order, but their keys
     * differ: DJL prefixes each child's name with its position, and removing an aux head shifts
     * the positions after it. So the values are paired by order, aux heads' parameters left out,
     * and each pair's shape is checked.
     */
    static void copyWithoutAux(Block trained, Block inference) {
        Set<Parameter> auxParameters = Collections.newSetFromMap(new IdentityHashMap<>());
        collectAuxParameters(trained, auxParameters);
        List<Pair<String, Parameter>> shared = new ArrayList<>();
        for (Pair<String, Parameter> entry : trained.getParameters()) {
            if (!auxParameters.contains(entry.getValue())) {
                shared.add(entry);
            }
        }
        var targets = inference.getParameters();
        if (shared.size() != targets.size()) {
            throw new IllegalArgumentException("the trained network has " + shared.size()
                    + " parameters outside its aux heads, the inference network " + targets.size());
        }
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            copy(
                    shared.get(i).getValue().getArray(),
                    targets.valueAt(i).getArray(),
                    shared.get(i).getKey() + " → " + targets.keyAt(i),
                    problems);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "the inference network does not match the trained one: " + String.join("; ", problems));
        }
    }

    private static void collectAuxParameters(Block block, Set<Parameter> auxParameters) {
        if (block instanceof AuxiliaryClassifier) {
            block.getParameters().values().forEach(auxParameters::add);
            return;
        }
        block.getChildren().values().forEach(child -> collectAuxParameters(child, auxParameters));
    }

    private static void copy(NDArray source, NDArray target, String what, List<String> problems) {
        if (source.getShape().equals(target.getShape())) {
            target.set(source.toByteBuffer());
        } else {
            problems.add("'" + what + "' has shape " + source.getShape() + ", expected " + target.getShape());
        }
    }
}
