package io.inceptionserve.model.inceptionv3;

import static io.inceptionserve.model.blocks.BasicConv2d.WITH_BATCH_NORM;
import static io.inceptionserve.model.inceptionv3.InceptionV3.Kind.A;
import static io.inceptionserve.model.inceptionv3.InceptionV3.Kind.B;
import static io.inceptionserve.model.inceptionv3.InceptionV3.Kind.C;
import static io.inceptionserve.model.inceptionv3.InceptionV3.Kind.D;
import static io.inceptionserve.model.inceptionv3.InceptionV3.Kind.E;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import io.inceptionserve.model.blocks.AuxiliaryClassifier;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.blocks.Layers;
import io.inceptionserve.model.blocks.NetworkBuilder;
import io.inceptionserve.model.blocks.ScopedSequentialBlock;
import java.util.List;
import java.util.Map;

/**
 * Builds Inception-v3 with torchvision's {@code Inception3} topology as an {@link
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
     * torchvision's module table (inception.py), row for row. Columns by kind (torchvision's
     * InceptionA–E): A, C and E have four branches, 1×1 ‖ reduce → width ‖ double reduce → double
     * width ‖ avg pool → projection (in C the 7×7 branches keep the reduce width until their last
     * layer; in E the last layers split into 1×3 ‖ 3×1 of the width each). B and D are grid
     * reductions whose pool branch is a 3×3/2 max pool passing the input through (B's 3×3 branch
     * has no reduce).
     */
    // spotless:off (the table keeps its columns aligned)
    public static final List<ModuleSpec> MODULES =
            List.of(
                    //             name kind    in   #1x1   red  width   dblRed  dblWidth  proj   out
                    new ModuleSpec("5b",  A,   192,    64,   48,    64,      64,       96,   32,   256),
                    new ModuleSpec("5c",  A,   256,    64,   48,    64,      64,       96,   64,   288),
                    new ModuleSpec("5d",  A,   288,    64,   48,    64,      64,       96,   64,   288),
                    new ModuleSpec("6a",  B,   288,     0,    0,   384,      64,       96,    0,   768),
                    new ModuleSpec("6b",  C,   768,   192,  128,   192,     128,      192,  192,   768),
                    new ModuleSpec("6c",  C,   768,   192,  160,   192,     160,      192,  192,   768),
                    new ModuleSpec("6d",  C,   768,   192,  160,   192,     160,      192,  192,   768),
                    new ModuleSpec("6e",  C,   768,   192,  192,   192,     192,      192,  192,   768),
                    new ModuleSpec("7a",  D,   768,     0,  192,   320,     192,      192,    0,  1280),
                    new ModuleSpec("7b",  E,  1280,   320,  384,   384,     448,      384,  192,  2048),
                    new ModuleSpec("7c",  E,  2048,   320,  384,   384,     448,      384,  192,  2048));
    // spotless:on

    private static final int AUX_CONV0_FILTERS = 128;
    private static final int AUX_CONV1_FILTERS = 768;

    private InceptionV3() {}

    /** torchvision's module classes InceptionA–E. */
    public enum Kind {
        /** 35×35 module with a 5×5 and a double 3×3 branch. */
        A,
        /** 35×35 → 17×17 grid reduction. */
        B,
        /** 17×17 module with factorised 7×7 branches. */
        C,
        /** 17×17 → 8×8 grid reduction. */
        D,
        /** 8×8 module with split 1×3 ‖ 3×1 branches. */
        E
    }

    /**
     * One Mixed module's channel numbers, columns as in {@link #MODULES}.
     *
     * @param name the module's suffix, e.g. "5b" for Mixed_5b
     * @param kind torchvision's module class
     * @param in input channels (a check value: DJL infers it)
     * @param ch1x1 the 1×1 branch's width (0: no such branch)
     * @param reduce the 1×1 reduction of the single branch (0: none)
     * @param width that branch's output width (per half in E)
     * @param doubleReduce the 1×1 reduction of the double branch
     * @param doubleWidth that branch's output width (per half in E)
     * @param poolProj the pool branch's 1×1 projection (0: a max pool passing the input through)
     * @param out output channels (a check value for the tests)
     */
    public record ModuleSpec(
            String name,
            Kind kind,
            int in,
            int ch1x1,
            int reduce,
            int width,
            int doubleReduce,
            int doubleWidth,
            int poolProj,
            int out) {

        /** Rejects rows whose branch columns do not fit their kind. */
        public ModuleSpec {
            boolean reduction = kind == B || kind == D;
            if (reduction != (ch1x1 == 0) || reduction != (poolProj == 0)) {
                throw new IllegalArgumentException(
                        name + ": only grid reductions (B, D) lack the 1×1 and projection branches");
            }
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

    /** Configures an Inception-v3; the default has the auxiliary head. */
    public static final class Builder extends NetworkBuilder<Builder> {

        Builder() {
            super(0.5f); // torchvision's dropout
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
                            .add("Conv2d_1a_3x3", WITH_BATCH_NORM.of(32, 3, 2, 0))
                            .add("Conv2d_2a_3x3", WITH_BATCH_NORM.of(32, 3, 1, 0))
                            .add("Conv2d_2b_3x3", WITH_BATCH_NORM.of(64, 3, 1, 1))
                            .add("maxpool1", Layers.maxPool(3, 2, 0, false))
                            .add("Conv2d_3b_1x1", WITH_BATCH_NORM.same(80, 1, 1))
                            .add("Conv2d_4a_3x3", WITH_BATCH_NORM.of(192, 3, 1, 0))
                            .add("maxpool2", Layers.maxPool(3, 2, 0, false)));
            stages.put("mixed5", mixed("5b", "5c", "5d"));
            stages.put("mixed6", mixed("6a", "6b", "6c", "6d", "6e").add("AuxLogits", auxHeads ? auxLogits() : null));
            stages.put("mixed7", mixed("7a", "7b", "7c"));
        }

        private static ScopedSequentialBlock mixed(String... names) {
            ScopedSequentialBlock stage = new ScopedSequentialBlock();
            for (String name : names) {
                ModuleSpec spec = MODULES.stream()
                        .filter(row -> row.name().equals(name))
                        .findFirst()
                        .orElseThrow();
                stage.add("Mixed_" + name, new MixedModule(spec));
            }
            return stage;
        }

        /** torchvision's InceptionAux: avg pool 5×5/3 → 1×1 → 5×5 → global avg pool → linear. */
        private AuxiliaryClassifier auxLogits() {
            AuxiliaryClassifier aux = new AuxiliaryClassifier();
            aux.add("avgpool", Pool.avgPool2dBlock(new Shape(5, 5), new Shape(3, 3)))
                    .add("conv0", WITH_BATCH_NORM.same(AUX_CONV0_FILTERS, 1, 1))
                    .add("conv1", WITH_BATCH_NORM.of(AUX_CONV1_FILTERS, 5, 1, 0))
                    .add("globalpool", Pool.globalAvgPool2dBlock())
                    .add("fc", Linear.builder().setUnits(numClasses).build());
            return aux;
        }
    }
}
