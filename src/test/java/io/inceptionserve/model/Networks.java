package io.inceptionserve.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.inceptionserve.model.blocks.InceptionNetwork;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: the real PyTorch engine, offline, and small forward/count utilities. */
final class Networks {

    static {
        // The native library ships in the Maven jars: never try to download one.
        System.setProperty("ai.djl.offline", "true");
    }

    private Networks() {}

    static NDManager newManager() {
        return NDManager.newBaseManager("PyTorch");
    }

    /** Initializes {@code block} for a batch of {@code batch} C×size×size images. */
    static void initialize(Block block, NDManager manager, int batch, int channels, int size) {
        block.initialize(manager, DataType.FLOAT32, new Shape(batch, channels, size, size));
    }

    static NDList forward(Block block, NDManager manager, NDList input, boolean training) {
        return block.forward(new ParameterStore(manager, false), input, training);
    }

    static NDList randomImages(NDManager manager, int batch, int channels, int size) {
        return new NDList(manager.randomUniform(0, 1, new Shape(batch, channels, size, size)));
    }

    /** Trainable parameters only, like PyTorch's parameters(): no BatchNorm running stats. */
    static long trainableParameterCount(Block block) {
        return block.getParameters().values().stream()
                .filter(Parameter::requiresGradient)
                .mapToLong(parameter -> parameter.getArray().size())
                .sum();
    }

    /**
     * Runs an inference forward stage by stage, and inside each stage child by child, and returns
     * the output shape after each stage's children and after each stage, in forward order, named
     * without DJL's "01" position prefix (conv1, …, inception3a, …, stem, inception3, …).
     */
    static List<Pair<String, Shape>> shapesAlongForward(InceptionNetwork network, NDManager manager, NDList input) {
        ParameterStore parameters = new ParameterStore(manager, false);
        List<Pair<String, Shape>> shapes = new ArrayList<>();
        NDList current = input;
        for (var stage : network.stages().entrySet()) {
            for (Pair<String, Block> child : stage.getValue().getChildren()) {
                current = child.getValue().forward(parameters, current, false);
                shapes.add(
                        new Pair<>(child.getKey().substring(2), current.head().getShape()));
            }
            shapes.add(new Pair<>(stage.getKey(), current.head().getShape()));
        }
        return shapes;
    }

    /** The shape recorded under {@code name} by {@link #shapesAlongForward}. */
    static Shape shapeOf(List<Pair<String, Shape>> shapes, String name) {
        return shapes.stream()
                .filter(entry -> entry.getKey().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no block named " + name))
                .getValue();
    }

    /** The shape of the input to the block recorded under {@code name}. */
    static Shape shapeBefore(List<Pair<String, Shape>> shapes, String name) {
        for (int i = 1; i < shapes.size(); i++) {
            if (shapes.get(i).getKey().equals(name)) {
                return shapes.get(i - 1).getValue();
            }
        }
        throw new AssertionError("no block after another named " + name);
    }
}
