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
 * @param initFrom the trained model a fine-tuning run starts from, or {@code null} to train from
 *     scratch
 * @param freezeEpochs epochs at the start that train the new heads alone (fine-tuning only)
 * @param bodyLrFactor the body's learning rate relative to the heads' (fine-tuning only)
 * @param validationSplit fraction of each class's training images held out to pick the best
 *     epoch; 0 for none
 * @param patience stop after this many epochs without a better validation top-1; 0 never stops early
 * @param classWeights weight each image's loss by the inverse frequency of its class
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
        int threads,
        StartingModel initFrom,
        int freezeEpochs,
        float bodyLrFactor,
        double validationSplit,
        int patience,
        boolean classWeights) {

    /** Whether the run starts from a trained model. */
    public boolean fineTuning() {
        return initFrom != null;
    }

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
