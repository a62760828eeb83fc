package io.inceptionserve.model.blocks;

import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * The output shapes a container block last computed, and for which input shapes.
 *
 * <p>A container's output shapes are its children's, chained; DJL asks for them at every nesting
 * level while a network initialises (each parent, after initialising a child, asks for the child's
 * output to initialise the next one), and a pool's shapes are found by running it (DJL's {@code
 * LambdaBlock}). Without the memo, building Inception-v3 at 299 px runs each module's pools once
 * per enclosing level.
 */
final class OutputShapeMemo {

    private Shape[] input;
    private Shape[] output;

    /** The output shapes for {@code inputShapes}: remembered, or computed by {@code compute} and remembered. */
    synchronized Shape[] of(Shape[] inputShapes, UnaryOperator<Shape[]> compute) {
        if (!Arrays.equals(inputShapes, input)) {
            remember(inputShapes, compute.apply(inputShapes));
        }
        return output.clone();
    }

    /** Remembers shapes already computed, e.g. while initialising the children one after another. */
    synchronized void remember(Shape[] inputShapes, Shape[] outputShapes) {
        input = inputShapes.clone();
        output = outputShapes.clone();
    }
}
