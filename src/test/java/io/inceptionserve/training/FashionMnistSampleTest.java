package io.inceptionserve.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The committed sample is the start of the real data set: its images and labels are the first
 * ones of Debian's {@code dataset-fashion-mnist} files (which .ci/run installs), so the tests
 * reading it measure what they would on the full files. {@code -Dfashion-mnist.dir} names another
 * directory of the full files.
 */
class FashionMnistSampleTest {

    @ParameterizedTest
    @CsvSource({"train, 512", "t10k, 500"})
    void holdsTheFirstImagesAndLabelsOfTheFullDataSet(String prefix, int items) {
        Path full = Path.of(System.getProperty("fashion-mnist.dir", FashionMnist.DEFAULT_DIR.toString()));
        if (!Files.isRegularFile(full.resolve(prefix + "-images-idx3-ubyte.gz"))) {
            Prerequisites.missing("the sample check needs the full Fashion-MNIST in " + full
                    + " (apt-get install dataset-fashion-mnist)");
        }
        FashionMnist.Idx sample = FashionMnist.readIdx(FashionMnistSample.DIR, prefix, null);
        FashionMnist.Idx original = FashionMnist.readIdx(full, prefix, items);

        assertThat(sample.labels()).hasSize(items).isEqualTo(original.labels());
        assertThat(sample.pixels()).isDeepEqualTo(original.pixels());
        assertThat(sample.rows()).isEqualTo(28);
        assertThat(sample.cols()).isEqualTo(28);
    }
}
