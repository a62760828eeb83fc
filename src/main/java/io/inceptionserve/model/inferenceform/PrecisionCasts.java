package io.inceptionserve.model.inferenceform;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.inceptionserve.model.Precision;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Converts arrays between float32 and a reduced precision inside libtorch.
 *
 * <p>DJL 0.36 maps only nine of libtorch's data types, and {@code NDArray.toType(BFLOAT16)} ends
 * the JVM (its JNI throws on the unmapped type with nothing to catch it). The conversions are
 * therefore TorchScript modules ({@code x.to(torch.bfloat16)} and back), made by {@code
 * src/main/python/script_precision_casts.py} and shipped in the jar, so the service never needs
 * Python. DJL reports the converted arrays' type as unknown, but its operators hand them to
 * libtorch, which computes in their real type. The modules keep the memory format, so
 * channels-last arrays stay channels-last.
 */
public final class PrecisionCasts {

    private final Block toReduced;
    private final Block toFloat32;

    private PrecisionCasts(Block toReduced, Block toFloat32) {
        this.toReduced = toReduced;
        this.toFloat32 = toFloat32;
    }

    /**
     * Loads the conversions for {@code precision}; their modules are freed with {@code manager}.
     *
     * @param precision {@link Precision#BFLOAT16} or {@link Precision#FLOAT16}
     * @param manager a PyTorch manager, e.g. the model's
     * @return the conversions
     */
    public static PrecisionCasts load(Precision precision, NDManager manager) {
        if (!precision.reduced()) {
            throw new IllegalArgumentException("No conversion to " + precision.id() + " is needed");
        }
        return new PrecisionCasts(
                new Cast(module("to_" + precision.id(), manager)), new Cast(module("to_float32", manager)));
    }

    private static PtSymbolBlock module(String name, NDManager manager) {
        String resource = "/torchscript/" + name + ".pt";
        try (InputStream in = PrecisionCasts.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the class path");
            }
            return JniUtils.loadModule(
                    (PtNDManager) manager, in, manager.getDevice().isGpu(), false);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
    }

    /** A block converting its input to the reduced precision. */
    public Block toReduced() {
        return toReduced;
    }

    /** A block converting its input back to float32. */
    public Block toFloat32() {
        return toFloat32;
    }

    /** {@code array} in the reduced precision, attached to {@code array}'s manager. */
    public NDArray reduce(NDArray array) {
        return toReduced.forward(null, new NDList(array), false).singletonOrThrow();
    }

    /**
     * One conversion as a block of a network: a TorchScript module knows no output shapes, and
     * a conversion keeps them. Its outputs go to the input's manager, so the per-stage scoping
     * frees them like any other activation.
     */
    private static final class Cast extends AbstractBlock {

        private static final byte VERSION = 1;

        private final PtSymbolBlock module;

        Cast(PtSymbolBlock module) {
            super(VERSION);
            this.module = module;
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
            return module.forward(parameterStore, inputs, false, params);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }
}
