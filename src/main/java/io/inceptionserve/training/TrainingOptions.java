package io.inceptionserve.training;

import io.inceptionserve.artifact.WeightStorage;
import io.inceptionserve.model.Architecture;
import java.nio.file.Path;

/**
 * Everything one training run needs, with every default already resolved (see {@link
 * TrainCommand} for what each option means).
 *
 * @param limitTrain use only this many training images, or {@code null} for all
 * @param limitTest use only this many test images, or {@code null} for all
 */
public record TrainingOptions(
        Architecture architecture,
        DatasetKind dataset,
        Path dataDir,
        Path fashionMnistDir,
        double split,
        int inputSize,
        int channels,
        int epochs,
        int batchSize,
        float learningRate,
        LrSchedule lrSchedule,
        int lrDecayEpochs,
        float lrDecayFactor,
        float labelSmoothing,
        float auxWeight,
        Augmentation augment,
        long seed,
        Integer limitTrain,
        Integer limitTest,
        Path out,
        String name,
        WeightStorage storage,
        Path checkpointDir,
        boolean resume,
        int threads) {

    /** Where in the source data the images come from. */
    public enum DatasetKind {
        FASHION_MNIST,
        FOLDER;

        /** The id used on the command line, e.g. "fashion-mnist". */
        @Override
        public String toString() {
            return Ids.of(this);
        }
    }

    /** How the learning rate changes over the run. */
    public enum LrSchedule {
        /** Step decay, as "Rethinking the Inception Architecture" trains: multiply by a factor every few epochs. */
        STEP,
        /** Cosine decay from the initial rate to 1 % of it at the last step. */
        COSINE;

        /** The id used on the command line, e.g. "cosine". */
        @Override
        public String toString() {
            return Ids.of(this);
        }
    }

    /** Command-line ids of these enums: the constant's name in lower case, '-' for '_'. */
    static final class Ids {
        private Ids() {}

        static String of(Enum<?> constant) {
            return constant.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }
}
