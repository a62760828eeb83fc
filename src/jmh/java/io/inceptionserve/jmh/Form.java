package io.inceptionserve.jmh;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.inceptionserve.model.Precision;
import io.inceptionserve.model.UnscopedCopy;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.inferenceform.InferenceForm;

/** Which form of our network a benchmark runs (public: JMH's generated code names it). */
public enum Form {
    /** What the service serves: {@link InferenceForm}. */
    INFERENCE {
        @Override
        Block of(InceptionNetwork trained, NDManager manager) {
            return InferenceForm.of(trained, manager);
        }
    },
    /** The inference form computing in bfloat16, as the service runs it on a CPU with native bfloat16. */
    INFERENCE_BFLOAT16 {
        @Override
        Block of(InceptionNetwork trained, NDManager manager) {
            return InferenceForm.of(trained, manager, Precision.BFLOAT16);
        }
    },
    /** The network as trained: scoped per stage and branch, BatchNorm, NCHW. */
    TRAINED {
        @Override
        Block of(InceptionNetwork trained, NDManager manager) {
            return trained;
        }
    },
    /** The network as trained in DJL's plain containers: nothing is freed before the call ends. */
    UNSCOPED {
        @Override
        Block of(InceptionNetwork trained, NDManager manager) {
            return UnscopedCopy.of(trained);
        }
    };

    /** This form of {@code trained}, with any new parameters on {@code manager}. */
    abstract Block of(InceptionNetwork trained, NDManager manager);
}
