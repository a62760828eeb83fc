package io.inceptionserve.training;

import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * The Fashion-MNIST files the tests read: the first 512 training and 500 test images of the data
 * set, committed under src/test/resources/fashion-mnist so that the tests need only a JDK. Written
 * by src/test/scripts/FashionMnistSample.java; {@link FashionMnistSampleTest} checks them against
 * Debian's full files.
 */
final class FashionMnistSample {

    static final Path DIR = directory();

    private FashionMnistSample() {}

    private static Path directory() {
        try {
            return Path.of(
                    FashionMnistSample.class.getResource("/fashion-mnist").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
