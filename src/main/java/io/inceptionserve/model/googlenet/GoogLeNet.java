package io.inceptionserve.model.googlenet;

import ai.djl.nn.Block;
import io.inceptionserve.model.blocks.AuxiliaryClassifier;
import io.inceptionserve.model.blocks.BasicConv2d;
import io.inceptionserve.model.blocks.ChannelTableRow;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.blocks.Layers;
import io.inceptionserve.model.blocks.NetworkBuilder;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;
import java.util.List;
import java.util.Map;

/**
 * Builds GoogLeNet (Inception-v1) as in "Going Deeper with Convolutions" (Szegedy et al., 2014), Table 1, and its BatchNorm
 * variant (the same topology with conv → BatchNorm → ReLU, as "Batch Normalization" (Ioffe and Szegedy, 2015) and
 * torchvision's {@code googlenet} use it) as an {@link InceptionNetwork} with the stages stem, inception3, inception4, inception5 and head.
 *
 * <p>Child blocks carry torchvision's attribute names (conv1, maxpool1, …, inception3a, branch1…4,
 * aux1, aux2, fc), so with BatchNorm and a 3×3 third branch torchvision's {@code googlenet}
 * state_dict maps onto the parameters one to one: drop the stage level and DJL's two-digit
 * position prefixes ({@code 02inception3_01inception3a_02branch2_010_01conv_weight} is {@code
 * inception3a.branch2.0.conv.weight}) and read BatchNorm's gamma, beta, runningMean, runningVar
 * as weight, bias, running_mean, running_var. torchvision's maxpool4 is 2×2/2 where the paper's is
 * 3×3/2: both give 7×7 at 224 but not the same values, so the imported weights need torchvision's
 * (see {@link Builder#optMaxPool4Kernel}).
 *
 * <pre>{@code
 * Block net = GoogLeNet.builder().setNumClasses(10).optBatchNorm(true).build();
 * }</pre>
 */
public final class GoogLeNet {

    /** Table 1 of "Going Deeper with Convolutions", its Inception rows, row for row. */
    // spotless:off (the table keeps its columns aligned)
    public static final List<ModuleSpec> MODULES =
            List.of(
                    //             name    in   #1x1   #3x3r   #3x3   #5x5r   #5x5   proj
                    new ModuleSpec("3a",  192,    64,     96,   128,     16,    32,    32),
                    new ModuleSpec("3b",  256,   128,    128,   192,     32,    96,    64),
                    new ModuleSpec("4a",  480,   192,     96,   208,     16,    48,    64),
                    new ModuleSpec("4b",  512,   160,    112,   224,     24,    64,    64),
                    new ModuleSpec("4c",  512,   128,    128,   256,     24,    64,    64),
                    new ModuleSpec("4d",  512,   112,    144,   288,     32,    64,    64),
                    new ModuleSpec("4e",  528,   256,    160,   320,     32,   128,   128),
                    new ModuleSpec("5a",  832,   256,    160,   320,     32,   128,   128),
                    new ModuleSpec("5b",  832,   384,    192,   384,     48,   128,   128));
    // spotless:on

    /**
     * Auxiliary heads pool adaptively to 4×4, so that small inputs work too: at 224 the paper's
     * 5×5/3 average pool on the 14×14 grid gives the same 4×4.
     */
    private static final int AUX_POOL_SIZE = 4;

    private GoogLeNet() {}

    /**
     * One Inception module's channel numbers, columns as in the paper's Table 1.
     *
     * @param name the module's name, e.g. "3a"
     * @param in input channels (a check value: DJL infers it)
     * @param ch1x1 the 1×1 branch's width
     * @param ch3x3Reduce the 1×1 reduction before the 3×3
     * @param ch3x3 the 3×3's width
     * @param ch5x5Reduce the 1×1 reduction before the third branch's k×k
     * @param ch5x5 the k×k's width
     * @param poolProj the 1×1 projection after the pool
     */
    public record ModuleSpec(
            String name, int in, int ch1x1, int ch3x3Reduce, int ch3x3, int ch5x5Reduce, int ch5x5, int poolProj)
            implements ChannelTableRow {

        /**
         * Returns the module's output channels.
         *
         * @return the sum of the four branch widths
         */
        public int out() {
            return ch1x1 + ch3x3 + ch5x5 + poolProj;
        }
    }

    /**
     * Creates a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures a GoogLeNet; the defaults are the paper's network with auxiliary heads. */
    public static final class Builder extends NetworkBuilder<Builder> {

        private boolean batchNorm;
        private int thirdBranchKernel = 5;
        private int maxPool4Kernel = 3;

        Builder() {
            super(0.4f); // the paper's dropout before the classifier
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Follows every convolution with BatchNorm (GoogLeNet-BN) instead of giving it a bias
         * (the paper, default).
         *
         * @param batchNorm whether to use BatchNorm
         * @return this builder
         */
        public Builder optBatchNorm(boolean batchNorm) {
            this.batchNorm = batchNorm;
            return this;
        }

        /**
         * Sets the kernel side of each module's third branch: 5 as in the paper (default), or 3 as
         * in torchvision, whose weights need it.
         *
         * @param kernel 5 or 3
         * @return this builder
         */
        public Builder optThirdBranchKernel(int kernel) {
            if (kernel != 5 && kernel != 3) {
                throw new IllegalArgumentException("Third branch kernel must be 5 or 3: " + kernel);
            }
            this.thirdBranchKernel = kernel;
            return this;
        }

        /**
         * Sets the window side of maxpool4 (stride 2, between 4e and 5a): 3 as in the paper
         * (default), or 2 as in torchvision, whose weights were trained with it.
         *
         * @param kernel 3 or 2
         * @return this builder
         */
        public Builder optMaxPool4Kernel(int kernel) {
            if (kernel != 3 && kernel != 2) {
                throw new IllegalArgumentException("maxpool4 kernel must be 3 or 2: " + kernel);
            }
            this.maxPool4Kernel = kernel;
            return this;
        }

        @Override
        protected void addStages(Map<String, Block> stages) {
            BasicConv2d conv = new BasicConv2d(batchNorm);
            stages.put(
                    "stem",
                    new ScopedSequentialBlock()
                            .add("conv1", conv.of(64, 7, 2, 3))
                            .add("maxpool1", maxPool())
                            .add("conv2", conv.same(64, 1, 1))
                            .add("conv3", conv.same(192, 3, 3))
                            .add("maxpool2", maxPool()));
            stages.put(
                    "inception3",
                    new ScopedSequentialBlock()
                            .add("inception3a", module("3a", conv))
                            .add("inception3b", module("3b", conv))
                            .add("maxpool3", maxPool()));
            stages.put(
                    "inception4",
                    new ScopedSequentialBlock()
                            .add("inception4a", module("4a", conv))
                            .add("aux1", auxHead(conv))
                            .add("inception4b", module("4b", conv))
                            .add("inception4c", module("4c", conv))
                            .add("inception4d", module("4d", conv))
                            .add("aux2", auxHead(conv))
                            .add("inception4e", module("4e", conv))
                            .add("maxpool4", Layers.maxPool(maxPool4Kernel, 2, 0, true)));
            stages.put(
                    "inception5",
                    new ScopedSequentialBlock()
                            .add("inception5a", module("5a", conv))
                            .add("inception5b", module("5b", conv)));
        }

        private InceptionModule module(String name, BasicConv2d conv) {
            return new InceptionModule(ChannelTableRow.named(MODULES, name), conv, thirdBranchKernel);
        }

        private AuxiliaryClassifier auxHead(BasicConv2d conv) {
            return auxHeads ? new AuxiliaryClassifier(conv, AUX_POOL_SIZE, numClasses) : null;
        }

        /** 3×3/2 with ceil mode, as torchvision. */
        private static Block maxPool() {
            return Layers.maxPool(3, 2, 0, true);
        }
    }
}
