package io.inceptionserve.model.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Runs one step of a forward pass in its own sub-{@link NDManager}, so that everything the step
 * creates and does not return is freed when the step ends.
 *
 * <p>Without this, every activation of a forward stays attached to the caller's manager until the
 * caller closes it: the working set is then the whole network's activations, and on these
 * machines the allocator keeps faulting in fresh pages (docs/performance.md, "Scoping": 2× slower). In
 * training, closing the Java handles is safe: autograd keeps the tensors that backward needs
 * alive natively.
 */
final class Scopes {

    private Scopes() {}

    /**
     * Runs {@code step} on {@code inputs} in a new sub-manager of the inputs' manager and moves
     * only its outputs back to that manager.
     *
     * @param inputs the step's inputs, all attached to the caller's manager
     * @param outlivesStep which inputs the caller still needs afterwards: they are lent to the
     *     step and given back; the others are handed over and die with the step
     * @param step the computation
     * @return the step's outputs, attached to the caller's manager
     */
    static NDList run(NDList inputs, Predicate<NDArray> outlivesStep, UnaryOperator<NDList> step) {
        NDManager caller = inputs.head().getManager();
        try (NDManager scope = caller.newSubManager()) {
            for (NDArray input : inputs) {
                if (outlivesStep.test(input)) {
                    input.tempAttach(scope);
                } else {
                    input.attach(scope);
                }
            }
            NDList outputs = step.apply(inputs);
            outputs.attach(caller);
            return outputs;
        }
    }

    /** Runs {@code step} in its own scope; all inputs outlive it. */
    static NDList run(NDList inputs, UnaryOperator<NDList> step) {
        return run(inputs, input -> true, step);
    }

    /** Whether {@code array} is, by identity, one of {@code arrays}. */
    static boolean isOneOf(NDArray array, NDList arrays) {
        for (NDArray candidate : arrays) {
            if (candidate == array) {
                return true;
            }
        }
        return false;
    }
}
