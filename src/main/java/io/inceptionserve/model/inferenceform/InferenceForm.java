package io.inceptionserve.model.inferenceform;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.inceptionserve.model.Precision;
import io.inceptionserve.model.blocks.AuxiliaryClassifier;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.blocks.ScopedConcatBlock;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;
import java.lang.reflect.Field;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds the inference form of a trained network: a separate block, with its own copies of the
 * parameters, that computes the same eval-mode logits faster. The trained block is not changed,
 * so it can go on training or be saved as before.
 *
 * <ul>
 *   <li>Every BatchNorm is folded into the convolution before it: with s = γ / √(var + ε), the
 *       weights become w·s and the bias β + (b − mean)·s, and the BatchNorm disappears.
 *   <li>Dropout and the auxiliary classifiers, which do nothing in inference, are dropped.
 *   <li>The input and the convolution weights are converted to {@link ChannelsLast channels-last}
 *       layout, which puts the pools and convolutions on libtorch's fast kernels.
 *   <li>Optionally ({@link Precision}), parameters and activations are held in bfloat16 or
 *       float16 from the input to the logits, which come out in float32 again.
 *   <li>No parameter requires a gradient, so no autograd graph is recorded even on a thread where
 *       libtorch's grad mode is on (every thread but the one that loaded the engine). A recorded
 *       graph would keep every activation alive until the output dies, defeating the per-stage
 *       scoping.
 * </ul>
 *
 * <p>The per-stage and per-branch scoping of {@link ScopedSequentialBlock} and {@link
 * ScopedConcatBlock} is kept.
 */
public final class InferenceForm {

    /** How many leading digits DJL puts before a child's name ("01conv"). */
    private static final int CHILD_PREFIX = 2;

    private final NDManager manager;
    /** The conversions to and from the reduced precision, or {@code null} in float32. */
    private final PrecisionCasts casts;

    private InferenceForm(NDManager manager, PrecisionCasts casts) {
        this.manager = manager;
        this.casts = casts;
    }

    /**
     * Builds the inference form of a trained network or part of one.
     *
     * @param trained an initialised block built by this package ({@link InceptionNetwork}, its
     *     stages, modules or conv units)
     * @param manager where the inference form's parameters live (e.g. the model's manager); they
     *     are on its device
     * @return the inference form; the trained block is left as it was
     * @throws IllegalArgumentException if {@code trained} holds a parametrised layer this rewrite
     *     does not know
     */
    public static Block of(Block trained, NDManager manager) {
        return of(trained, manager, Precision.FLOAT32);
    }

    /**
     * Builds the inference form of a trained network computing in {@code precision}: its
     * convolution and linear parameters are converted once, here; the input is converted after
     * the channels-last step and the logits back to float32 at the end, so activations stay in
     * {@code precision} through the network and the caller's softmax runs in float32.
     *
     * @param trained an initialised {@link InceptionNetwork} (or, in float32, any block {@link
     *     #of(Block, NDManager)} accepts)
     * @param manager where the inference form's parameters and conversion modules live
     * @param precision {@link Precision#FLOAT32}, {@link Precision#BFLOAT16} or {@link
     *     Precision#FLOAT16}; not {@link Precision#AUTO}
     * @return the inference form; the trained block is left as it was
     */
    public static Block of(Block trained, NDManager manager, Precision precision) {
        if (precision == Precision.AUTO) {
            throw new IllegalArgumentException("Resolve precision 'auto' for a device first");
        }
        if (precision.reduced() && !(trained instanceof InceptionNetwork)) {
            throw new IllegalArgumentException("Reduced precision needs a whole network, which converts its input");
        }
        PrecisionCasts casts = precision.reduced() ? PrecisionCasts.load(precision, manager) : null;
        return new InferenceForm(manager, casts).rewrite(trained);
    }

    private Block rewrite(Block block) {
        if (block instanceof InceptionNetwork network) {
            Map<String, Block> stages = new LinkedHashMap<>();
            stages.put("channelsLast", ChannelsLast.block());
            // Cast where the parameters begin: a parameter-free first stage (torchvision's input
            // transform) computes with float32 constants, which would turn bfloat16 back into float32.
            boolean cast = casts == null;
            for (Map.Entry<String, Block> stage : network.stages().entrySet()) {
                if (!cast && !stage.getValue().getParameters().isEmpty()) {
                    stages.put("toReducedPrecision", casts.toReduced());
                    cast = true;
                }
                stages.put(stage.getKey(), rewrite(stage.getValue()));
            }
            if (casts != null) {
                stages.put("toFloat32", casts.toFloat32());
            }
            return new InceptionNetwork(network.inputChannels(), network.numClasses(), stages);
        }
        if (block instanceof ScopedConcatBlock concat) {
            ScopedConcatBlock copy = new ScopedConcatBlock();
            PairList<String, Block> branches = concat.getChildren();
            for (Pair<String, Block> branch : branches) {
                copy.add(childName(branch), rewrite(branch.getValue()));
            }
            return copy;
        }
        if (block instanceof ScopedSequentialBlock sequence) {
            return rewriteChain(sequence);
        }
        if (block instanceof Linear linear) {
            return copyOf(linear);
        }
        if (block.getParameters().isEmpty()) {
            // Pools, activations, flatten: stateless, so the inference form can share them.
            return block;
        }
        throw new IllegalArgumentException(
                "No inference form for " + block.getClass().getSimpleName());
    }

    private ScopedSequentialBlock rewriteChain(ScopedSequentialBlock sequence) {
        ScopedSequentialBlock copy = new ScopedSequentialBlock();
        PairList<String, Block> children = sequence.getChildren();
        for (int i = 0; i < children.size(); i++) {
            Block child = children.valueAt(i);
            if (child instanceof AuxiliaryClassifier || child instanceof Dropout) {
                continue;
            }
            String name = childName(children.get(i));
            if (child instanceof Conv2d conv) {
                BatchNorm batchNorm = null;
                if (i + 1 < children.size() && children.valueAt(i + 1) instanceof BatchNorm next) {
                    batchNorm = next;
                    i++;
                }
                copy.add(name, fold(conv, batchNorm));
            } else {
                copy.add(name, rewrite(child));
            }
        }
        return copy;
    }

    /** The convolution with {@code batchNorm} (may be null) folded into its weights and bias. */
    private FoldedConv2d fold(Conv2d conv, BatchNorm batchNorm) {
        try (NDManager scratch = manager.newSubManager()) {
            // Folded in double precision, so the result is the float32 rounding of the exact value.
            NDArray weight = copy(conv.getParameters().get("weight"), scratch);
            long filters = weight.getShape().get(0);
            Parameter convBias = conv.getParameters().get("bias");
            NDArray bias =
                    convBias == null ? scratch.zeros(new Shape(filters), DataType.FLOAT64) : copy(convBias, scratch);
            if (batchNorm != null) {
                PairList<String, Parameter> bn = batchNorm.getParameters();
                NDArray variance = copy(bn.get("runningVar"), scratch);
                NDArray scale = copy(bn.get("gamma"), scratch)
                        .div(variance.add(epsilonOf(batchNorm)).sqrt());
                NDArray mean = copy(bn.get("runningMean"), scratch);
                weight = weight.mul(scale.reshape(filters, 1, 1, 1));
                bias = copy(bn.get("beta"), scratch).add(bias.sub(mean).mul(scale));
            }
            // Channels-last weights, like the activations: the fallback (non-oneDNN) convolution
            // libtorch picks for small inputs would otherwise copy them on every call.
            return new FoldedConv2d(
                    keep(ChannelsLast.of(weight)),
                    keep(bias),
                    conv.getStride(),
                    conv.getPadding(),
                    conv.getDilation(),
                    conv.getGroups());
        }
    }

    private Linear copyOf(Linear linear) {
        PairList<String, Parameter> parameters = linear.getParameters();
        Linear copy = Linear.builder()
                .setUnits(parameters.get("weight").getArray().getShape().get(0))
                .optBias(parameters.contains("bias"))
                .build();
        try (NDManager scratch = manager.newSubManager()) {
            for (Pair<String, Parameter> parameter : parameters) {
                Parameter target = copy.getParameters().get(parameter.getKey());
                target.setArray(keep(copy(parameter.getValue(), scratch)));
                target.freeze(true);
            }
        }
        return copy;
    }

    /**
     * A float64 copy of {@code parameter}'s value, owned by {@code scratch} and cut off from
     * autograd, so that nothing computed from it records a graph.
     */
    private static NDArray copy(Parameter parameter, NDManager scratch) {
        NDArray detached = parameter.getArray().stopGradient();
        detached.attach(scratch);
        return detached.toType(DataType.FLOAT64, true);
    }

    /**
     * The value of {@code array} in the form's precision, in the same layout, owned by the
     * inference form's manager.
     */
    private NDArray keep(NDArray array) {
        NDArray kept = array.toType(DataType.FLOAT32, true);
        if (casts != null) {
            kept = casts.reduce(kept);
        }
        kept.attach(manager);
        return kept;
    }

    /**
     * DJL 0.36's BatchNorm has no getter for its ε, and folding needs the exact value (ours is 1e-3,
     * torchvision's, not DJL's default 1e-5); the field is read instead. The equality tests of the
     * folded networks fail if a DJL upgrade renames it.
     */
    private static float epsilonOf(BatchNorm batchNorm) {
        try {
            Field epsilon = BatchNorm.class.getDeclaredField("epsilon");
            epsilon.setAccessible(true);
            return epsilon.getFloat(batchNorm);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot read BatchNorm's epsilon to fold it", e);
        }
    }

    private static String childName(Pair<String, Block> child) {
        return child.getKey().substring(CHILD_PREFIX);
    }
}
