package io.inceptionserve.training;

import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.image.ImagePreprocessor;
import java.util.List;

/**
 * A data set ready for training: both splits prepared with {@code preprocessing}, which goes into
 * the model's manifest so the service prepares its images the same way.
 *
 * @param classes class names, in class-index order
 * @param source a short description of where the images came from, for the report
 */
record PreparedData(
        List<String> classes,
        LabelledImages train,
        LabelledImages test,
        ModelManifest.Preprocessing preprocessing,
        String source) {

    /** The service's preprocessor for images of {@code size}² × {@code channels} prepared this way. */
    static ImagePreprocessor preprocessor(int size, int channels, ModelManifest.Preprocessing preprocessing) {
        return new ImagePreprocessor(new ModelManifest(
                null, null, null, null, new ModelManifest.Input(size, channels), preprocessing, null));
    }
}
