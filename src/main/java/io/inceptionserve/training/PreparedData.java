package io.inceptionserve.training;

import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.image.ImagePreprocessor;
import java.util.List;

/**
 * A data set ready for training: both splits prepared with {@code preprocessing}, which goes into
 * the model's manifest so the service prepares its images the same way.
 *
 * @param classes class names, in class-index order
 * @param validation training images held out to choose the best epoch; empty when none are
 * @param source a short description of where the images came from, for the report
 */
record PreparedData(
        List<String> classes,
        LabelledImages train,
        LabelledImages test,
        LabelledImages validation,
        ModelManifest.Preprocessing preprocessing,
        String source) {

    /** Data without a validation split. */
    PreparedData(
            List<String> classes,
            LabelledImages train,
            LabelledImages test,
            ModelManifest.Preprocessing preprocessing,
            String source) {
        this(classes, train, test, LabelledImages.NONE, preprocessing, source);
    }

    /**
     * Holds out {@code fraction} of each class's training images (at least one of a class that
     * has two or more) as the validation set, chosen by {@code seed}.
     */
    PreparedData withValidationSplit(double fraction, long seed) {
        if (fraction <= 0) {
            return this;
        }
        var parts = train.splitEachClass(fraction, classes.size(), new java.util.Random(seed));
        return new PreparedData(
                classes,
                parts.get(0),
                test,
                parts.get(1),
                preprocessing,
                source + "; " + parts.get(1).size() + " of the training images held out for validation");
    }

    /** Training images per class, in class-index order. */
    int[] trainCountsPerClass() {
        int[] counts = new int[classes.size()];
        for (int label : train.labels()) {
            counts[label]++;
        }
        return counts;
    }

    /** The service's preprocessor for images of {@code size}² × {@code channels} prepared this way. */
    static ImagePreprocessor preprocessor(int size, int channels, ModelManifest.Preprocessing preprocessing) {
        return new ImagePreprocessor(new ModelManifest(
                null, null, null, null, new ModelManifest.Input(size, channels), preprocessing, null));
    }
}
