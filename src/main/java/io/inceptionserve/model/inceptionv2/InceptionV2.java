package io.inceptionserve.model.inceptionv2;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;
import static io.inceptionserve.model.inceptionv2.InceptionV2.PoolType.AVG;
import static io.inceptionserve.model.inceptionv2.InceptionV2.PoolType.MAX;

import ai.djl.nn.Block;
import io.inceptionserve.model.blocks.AuxiliaryClassifier;
import io.inceptionserve.model.blocks.ChannelTableRow;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.blocks.Layers;
import io.inceptionserve.model.blocks.NetworkBuilder;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;
import java.util.List;
import java.util.Map;

/**
 * Builds Inception-v2 as laid out in "Rethinking the Inception Architecture for Computer Vision" (Szegedy et al., 2015),
 * Table 1 and Figures 5–7, as an {@link InceptionNetwork} with the stages stem,
 * group1 (3a–3c, 35×35 → 17×17), group2 (5a–5e, 17×17 → 8×8), group3 (2a, 2b) and head. Every
 * convolution is conv → BatchNorm → ReLU. The paper gives the layout but not every width; the widths and
 * names follow the public implementation zjZSTU/GoogLeNet ({@code py/models/inception_v2.py}:
 * conv1…conv6, maxpool, inception3a…, aux), as there are no torchvision weights for this network.
 *
 * <p>Head: global average pool → dropout → one linear 2048→classes, the paper's head, not
 * that implementation's extra hidden 2048→1024 layer: with a single linear the network has
 * 16.7 M parameters (21.1 M with the aux head, 1000 classes), torchvision's Inception-v3 head has the
 * same form, and the hidden layer adds about 1.1 M parameters (1000 classes) with no reported gain.
 *
 * <pre>{@code
 * Block net = InceptionV2.builder().setNumClasses(20).build();
 * }</pre>
 */
public final class InceptionV2 {

    /** The paper's Table 1 groups with their widths, row for row (stride-2 rows are grid reductions). */
    // spotless:off (the table keeps its columns aligned)
    public static final List<ModuleSpec> MODULES =
            List.of(
                    //             name    out   #1x1   red   width   dblRed   dblWidth  pool   proj
                    new ModuleSpec("3a",   288,    64,   64,     64,      64,        96,  AVG,    64),
                    new ModuleSpec("3b",   288,    64,   64,     96,      64,        96,  AVG,    32),
                    new ModuleSpec("3c",   768,     0,  128,    320,      64,       160,  MAX,     0),
                    new ModuleSpec("5a",   768,   192,   96,    160,      96,       160,  AVG,   256),
                    new ModuleSpec("5b",   768,   192,   96,    160,      96,       160,  AVG,   256),
                    new ModuleSpec("5c",   768,   192,   96,    160,      96,       160,  AVG,   256),
                    new ModuleSpec("5d",   768,   192,   96,    160,      96,       160,  AVG,   256),
                    new ModuleSpec("5e",  1280,     0,  128,    192,     128,       320,  MAX,     0),
                    new ModuleSpec("2a",  1280,   256,  128,    160,     128,       240,  AVG,   224),
                    new ModuleSpec("2b",  2048,   256,   96,     96,      96,       160,  MAX,     0));
    // spotless:on

    /** The aux head pools adaptively to 5×5: the paper's 5×5/3 pool gives 5×5 at 17×17 only. */
    private static final int AUX_POOL_SIZE = 5;

    private InceptionV2() {}

    /** The pool branch's pooling. */
    public enum PoolType {
        /** Average pool 3×3/1 followed by a 1×1 projection. */
        AVG,
        /** Max pool 3×3 passing its input channels through (projection 0). */
        MAX
    }

    /**
     * One module's channel numbers, columns as in {@link #MODULES}.
     *
     * @param name the module's name, e.g. "3a"
     * @param out output channels (a check value for the tests)
     * @param ch1x1 the 1×1 branch's width (0: no such branch)
     * @param reduce the 1×1 reduction of the single-factorised branch
     * @param width that branch's width (per half, where the 8×8 module splits it)
     * @param doubleReduce the 1×1 reduction of the double-factorised branch
     * @param doubleWidth that branch's width (per half, where split)
     * @param pool the pool branch's pooling
     * @param poolProj the pool branch's 1×1 projection (0 with max pooling)
     */
    public record ModuleSpec(
            String name,
            int out,
            int ch1x1,
            int reduce,
            int width,
            int doubleReduce,
            int doubleWidth,
            PoolType pool,
            int poolProj)
            implements ChannelTableRow {

        /** Rejects rows whose pool and projection columns contradict each other. */
        public ModuleSpec {
            if ((pool == MAX) != (poolProj == 0)) {
                throw new IllegalArgumentException(
                        name + ": a max pool branch has no projection, an average one has one");
            }
        }

        /**
         * Builds the stride-1 pool branch.
         *
         * @return avg pool 3×3/1 → 1×1 projection, or max pool 3×3/1 passing the input through
         */
        Block poolBranch() {
            return switch (pool) {
                case AVG ->
                    new ScopedSequentialBlock().add(Layers.avgPool3x3Same()).add(WITH_BATCH_NORM.same(poolProj, 1, 1));
                case MAX -> Layers.maxPool(3, 1, 1, false);
            };
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

    /** Configures an Inception-v2; the default has the auxiliary head. */
    public static final class Builder extends NetworkBuilder<Builder> {

        Builder() {
            super(0.2f); // zjZSTU/GoogLeNet's dropout, with which its reported results were trained
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected void addStages(Map<String, Block> stages) {
            stages.put(
                    "stem",
                    new ScopedSequentialBlock()
                            .add("conv1", WITH_BATCH_NORM.of(32, 3, 2, 0))
                            .add("conv2", WITH_BATCH_NORM.of(32, 3, 1, 0))
                            .add("conv3", WITH_BATCH_NORM.of(64, 3, 1, 1))
                            // Ceil mode as in the cited code: same 73×73 at 299, accepts 73 px.
                            .add("maxpool", Layers.maxPool(3, 2, 0, true))
                            .add("conv4", WITH_BATCH_NORM.of(80, 3, 1, 0))
                            .add("conv5", WITH_BATCH_NORM.of(192, 3, 2, 0))
                            .add("conv6", WITH_BATCH_NORM.of(288, 3, 1, 1)));
            stages.put(
                    "group1",
                    new ScopedSequentialBlock()
                            .add("inception3a", new FactorizedInception(module("3a")))
                            .add("inception3b", new FactorizedInception(module("3b")))
                            .add("inception3c", GridReduction.after35x35(module("3c"))));
            stages.put(
                    "group2",
                    new ScopedSequentialBlock()
                            .add("inception5a", new AsymmetricInception(module("5a")))
                            .add("inception5b", new AsymmetricInception(module("5b")))
                            .add("inception5c", new AsymmetricInception(module("5c")))
                            .add("inception5d", new AsymmetricInception(module("5d")))
                            .add("aux", auxHeads ? auxiliaryClassifier() : null)
                            .add("inception5e", GridReduction.after17x17(module("5e"))));
            stages.put(
                    "group3",
                    new ScopedSequentialBlock()
                            .add("inception2a", new ExpandedInception(module("2a")))
                            .add("inception2b", new ExpandedInception(module("2b"))));
        }

        private AuxiliaryClassifier auxiliaryClassifier() {
            return new AuxiliaryClassifier(WITH_BATCH_NORM, AUX_POOL_SIZE, numClasses);
        }

        private static ModuleSpec module(String name) {
            return ChannelTableRow.named(MODULES, name);
        }
    }
}
