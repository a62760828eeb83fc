package io.inceptionserve.model.inceptionv3;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;

import ai.djl.nn.Block;
import io.inceptionserve.model.blocks.ChannelTableRow;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.blocks.Layers;
import io.inceptionserve.model.blocks.NetworkBuilder;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;
import java.util.List;
import java.util.Map;

/**
 * Builds Inception-v3 with torchvision's {@code Inception3} topology (inception.py) as an {@link
 * InceptionNetwork} with the stages stem, mixed5 (35×35), mixed6 (→ 17×17, with the auxiliary
 * head AuxLogits on Mixed_6e's output), mixed7 (→ 8×8) and head. Every convolution is torchvision's
 * {@code BasicConv2d}: conv without bias → BatchNorm (eps 0.001) → ReLU.
 *
 * <p>Children carry torchvision's attribute names (Conv2d_1a_3x3, …, Mixed_5b, branch1x1,
 * branch5x5_1, …, AuxLogits, fc). torchvision keeps the layers of a branch as flat siblings
 * ({@code branch5x5_1}, {@code branch5x5_2}) and chains them in {@code forward}; here such a chain
 * is a block of its own with an empty name, a level torchvision does not have. So torchvision's
 * {@code inception_v3} state_dict maps onto the parameters one to one: drop the stage level, the
 * unnamed levels and DJL's two-digit position prefixes ({@code
 * 02mixed5_01Mixed_5b_02_01branch5x5_1_01conv_weight} is {@code Mixed_5b.branch5x5_1.conv.weight})
 * and read BatchNorm's gamma, beta, runningMean, runningVar as weight, bias, running_mean,
 * running_var.
 *
 * <pre>{@code
 * Block net = InceptionV3.builder().setNumClasses(1000).build();
 * }</pre>
 */
public final class InceptionV3 {

    /**
     * torchvision's widths of each Mixed module (inception.py, InceptionA–E), row for row. A module
     * concatenates up to four branches, and the columns follow them: the 1×1 branch; a branch of a
     * 1×1 reduce and wider layers (red, width); a deeper branch of the same form (dblRed,
     * dblWidth); the pool branch's projection. 0 marks a branch or reduce the module lacks. Which
     * of the two widths a branch's inner layers take, each module class shows.
     */
    // spotless:off (the table keeps its columns aligned)
    public static final List<ModuleSpec> MODULES =
            List.of(
                    //             name    in   #1x1   red  width  dblRed  dblWidth  proj   out
                    new ModuleSpec("5b",  192,    64,   48,    64,     64,       96,   32,   256),
                    new ModuleSpec("5c",  256,    64,   48,    64,     64,       96,   64,   288),
                    new ModuleSpec("5d",  288,    64,   48,    64,     64,       96,   64,   288),
                    new ModuleSpec("6a",  288,     0,    0,   384,     64,       96,    0,   768),
                    new ModuleSpec("6b",  768,   192,  128,   192,    128,      192,  192,   768),
                    new ModuleSpec("6c",  768,   192,  160,   192,    160,      192,  192,   768),
                    new ModuleSpec("6d",  768,   192,  160,   192,    160,      192,  192,   768),
                    new ModuleSpec("6e",  768,   192,  192,   192,    192,      192,  192,   768),
                    new ModuleSpec("7a",  768,     0,  192,   320,    192,      192,    0,  1280),
                    new ModuleSpec("7b", 1280,   320,  384,   384,    448,      384,  192,  2048),
                    new ModuleSpec("7c", 2048,   320,  384,   384,    448,      384,  192,  2048));
    // spotless:on

    private InceptionV3() {}

    /**
     * One Mixed module's widths, columns as in {@link #MODULES}.
     *
     * @param name the module's suffix, e.g. "5b" for Mixed_5b
     * @param in input channels (a check value: DJL infers it)
     * @param ch1x1 the 1×1 branch's width (0: a grid reduction, without one)
     * @param reduce the 1×1 reduce of the second branch (0: none, InceptionB's 3×3)
     * @param width the second branch's output width (per half where InceptionE splits it)
     * @param doubleReduce the 1×1 reduce of the third branch
     * @param doubleWidth the third branch's output width (per half where InceptionE splits it)
     * @param poolProj the pool branch's 1×1 projection (0: a grid reduction's max pool passing the
     *     input through)
     * @param out output channels (a check value for the tests)
     */
    public record ModuleSpec(
            String name,
            int in,
            int ch1x1,
            int reduce,
            int width,
            int doubleReduce,
            int doubleWidth,
            int poolProj,
            int out)
            implements ChannelTableRow {}

    /**
     * Creates a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures an Inception-v3; the default has the auxiliary head. */
    public static final class Builder extends NetworkBuilder<Builder> {

        Builder() {
            super(0.5f); // torchvision's dropout
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** The shapes are torchvision's {@code Inception3._forward} comments, at 299 px. */
        @Override
        protected void addStages(Map<String, Block> stages) {
            Block auxLogits = auxHeads ? new InceptionAux(numClasses) : null;
            // N x 3 x 299 x 299
            stages.put(
                    "stem",
                    new ScopedSequentialBlock()
                            .add("Conv2d_1a_3x3", WITH_BATCH_NORM.of(32, 3, 2, 0)) // N x 32 x 149 x 149
                            .add("Conv2d_2a_3x3", WITH_BATCH_NORM.of(32, 3, 1, 0)) // N x 32 x 147 x 147
                            .add("Conv2d_2b_3x3", WITH_BATCH_NORM.of(64, 3, 1, 1)) // N x 64 x 147 x 147
                            .add("maxpool1", Layers.maxPool(3, 2, 0, false)) // N x 64 x 73 x 73
                            .add("Conv2d_3b_1x1", WITH_BATCH_NORM.same(80, 1, 1)) // N x 80 x 73 x 73
                            .add("Conv2d_4a_3x3", WITH_BATCH_NORM.of(192, 3, 1, 0)) // N x 192 x 71 x 71
                            .add("maxpool2", Layers.maxPool(3, 2, 0, false))); // N x 192 x 35 x 35
            stages.put(
                    "mixed5",
                    new ScopedSequentialBlock()
                            .add("Mixed_5b", new InceptionA(module("5b"))) // N x 256 x 35 x 35
                            .add("Mixed_5c", new InceptionA(module("5c"))) // N x 288 x 35 x 35
                            .add("Mixed_5d", new InceptionA(module("5d")))); // N x 288 x 35 x 35
            stages.put(
                    "mixed6",
                    new ScopedSequentialBlock()
                            .add("Mixed_6a", new InceptionB(module("6a"))) // N x 768 x 17 x 17
                            .add("Mixed_6b", new InceptionC(module("6b"))) // N x 768 x 17 x 17
                            .add("Mixed_6c", new InceptionC(module("6c"))) // N x 768 x 17 x 17
                            .add("Mixed_6d", new InceptionC(module("6d"))) // N x 768 x 17 x 17
                            .add("Mixed_6e", new InceptionC(module("6e"))) // N x 768 x 17 x 17
                            .add("AuxLogits", auxLogits)); // N x 768 x 17 x 17, in training also N x classes
            stages.put(
                    "mixed7",
                    new ScopedSequentialBlock()
                            .add("Mixed_7a", new InceptionD(module("7a"))) // N x 1280 x 8 x 8
                            .add("Mixed_7b", new InceptionE(module("7b"))) // N x 2048 x 8 x 8
                            .add("Mixed_7c", new InceptionE(module("7c")))); // N x 2048 x 8 x 8
            // head, added by NetworkBuilder: N x 2048 x 1 x 1 → N x classes
        }

        private static ModuleSpec module(String name) {
            return ChannelTableRow.named(MODULES, name);
        }
    }
}
