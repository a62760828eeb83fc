package io.inceptionserve.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.model.blocks.AuxiliaryClassifier;
import io.inceptionserve.model.blocks.InceptionNetwork;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Transfer learning from a trained model: its body (every layer up to the classifier) becomes the
 * start of a network for new classes, whose classifier and auxiliary heads start afresh. The
 * recipe is the usual one (torchvision's fine-tuning tutorial, Keras' {@code include_top=False}):
 * first the new heads alone with the body frozen, so that their random start does not send large
 * gradients back into learnt features, then everything, the body at a lower learning rate.
 */
final class FineTuning {

    /** The classifier stage every {@link InceptionNetwork} ends with. */
    private static final String HEAD = "head";

    private FineTuning() {}

    /**
     * The parameters that start afresh: the classifier and every auxiliary head. Everything else
     * is the body.
     */
    static Set<Parameter> newHeads(InceptionNetwork network) {
        Set<Parameter> heads = Collections.newSetFromMap(new IdentityHashMap<>());
        Block head = network.stages().get(HEAD);
        if (head == null) {
            throw new IllegalStateException("the network has no '" + HEAD + "' stage");
        }
        head.getParameters().values().forEach(heads::add);
        collectAuxiliary(network, heads);
        return heads;
    }

    private static void collectAuxiliary(Block block, Set<Parameter> heads) {
        if (block instanceof AuxiliaryClassifier) {
            block.getParameters().values().forEach(heads::add);
            return;
        }
        block.getChildren().values().forEach(child -> collectAuxiliary(child, heads));
    }

    /**
     * Copies the starting model's body into {@code network} (initialised, with its new heads).
     * Both are built from the same architecture and manifest, so their bodies hold the same
     * parameters in the same order; only the heads' class counts differ.
     *
     * @throws TrainingInputException if the body does not fit, e.g. another number of input channels
     */
    static void loadBody(StartingModel start, InceptionNetwork network, NDManager manager) {
        ModelArtifact artifact = start.artifact();
        try (NDManager scratch = manager.newSubManager()) {
            InceptionNetwork trained = ModelArtifact.network(
                    artifact.manifest(),
                    artifact.architecture(),
                    artifact.labels().size(),
                    false);
            artifact.loadInto(trained, scratch);
            List<Parameter> source = body(trained);
            List<Parameter> target = body(network);
            if (source.size() != target.size()) {
                throw new TrainingInputException("--init-from " + start.reference() + " has " + source.size()
                        + " parameters before its classifier, the network to train " + target.size());
            }
            List<String> problems = new ArrayList<>();
            for (int i = 0; i < target.size(); i++) {
                NDArray from = source.get(i).getArray();
                NDArray to = target.get(i).getArray();
                if (from.getShape().equals(to.getShape())) {
                    to.set(from.toByteBuffer());
                } else {
                    problems.add(source.get(i).getName() + " " + from.getShape() + " ≠ " + to.getShape());
                }
            }
            if (!problems.isEmpty()) {
                throw new TrainingInputException("--init-from " + start.reference()
                        + " does not fit the network to train: " + String.join("; ", problems));
            }
        }
    }

    private static List<Parameter> body(InceptionNetwork network) {
        Set<Parameter> heads = newHeads(network);
        return network.getParameters().values().stream()
                .filter(parameter -> !heads.contains(parameter))
                .collect(Collectors.toList());
    }

    /**
     * Freezes or thaws every learnt parameter outside the new heads; frozen ones get no gradient
     * and no update. BatchNorm's running statistics are left alone: they never take a gradient.
     */
    static void freezeBody(InceptionNetwork network, boolean frozen) {
        Set<Parameter> heads = newHeads(network);
        network.getParameters().values().stream()
                .filter(parameter -> !heads.contains(parameter))
                .filter(parameter -> parameter.getType() != Parameter.Type.RUNNING_MEAN
                        && parameter.getType() != Parameter.Type.RUNNING_VAR)
                .forEach(parameter -> parameter.freeze(frozen));
    }

    /**
     * Adam for the heads at the schedule's rate and Adam for the body at {@code bodyFactor} times
     * it. DJL's optimisers have one rate for all parameters, and Adam's step does not change with
     * the gradient's scale, so the body gets an optimiser of its own.
     *
     * @param frozenSteps steps this optimiser will take before the body thaws: the body's update
     *     count starts then, and its rate must follow the schedule from there
     */
    static Optimizer optimizer(InceptionNetwork network, Tracker schedule, float bodyFactor, int frozenSteps) {
        Set<String> headIds = newHeads(network).stream().map(Parameter::getId).collect(Collectors.toSet());
        Optimizer head = Optimizer.adam().optLearningRateTracker(schedule).build();
        Optimizer body = Optimizer.adam()
                .optLearningRateTracker(
                        (Tracker) numUpdate -> bodyFactor * schedule.getNewValue(numUpdate + frozenSteps))
                .build();
        return new PerGroupOptimizer(headIds, head, body);
    }

    /** Sends each parameter's update to the optimiser of its group. */
    private static final class PerGroupOptimizer extends Optimizer {
        private final Set<String> headIds;
        private final Optimizer head;
        private final Optimizer body;

        PerGroupOptimizer(Set<String> headIds, Optimizer head, Optimizer body) {
            super(new NoOptions());
            this.headIds = headIds;
            this.head = head;
            this.body = body;
        }

        @Override
        public void update(String parameterId, NDArray weight, NDArray grad) {
            (headIds.contains(parameterId) ? head : body).update(parameterId, weight, grad);
        }
    }

    /** The base class's builder, empty: the two optimisers carry the settings. */
    private static final class NoOptions extends Optimizer.OptimizerBuilder<NoOptions> {
        @Override
        protected NoOptions self() {
            return this;
        }
    }
}
