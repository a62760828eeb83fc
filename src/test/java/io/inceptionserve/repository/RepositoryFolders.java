package io.inceptionserve.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.inference.ModelRegistry;
import io.inceptionserve.serving.ServedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Model repositories on disk for tests, whose versions are the bundled models. */
public final class RepositoryFolders {

    public static final Path GOOGLENET_BN = Path.of("src/main/resources/models/googlenet-bn");
    public static final Path INCEPTION_V2 = Path.of("src/main/resources/models/inception-v2");

    private RepositoryFolders() {}

    /**
     * Version {@code version} of {@code model}: the bundled model's manifest and weights (a hard
     * link, not a copy), and its labels prefixed {@code v<version>-} so answers tell the versions
     * apart. Only the weights carry a checksum in the manifest.
     */
    public static Path writeVersion(Path repository, String model, long version, Path bundled) throws IOException {
        Path folder = Files.createDirectories(repository.resolve(model).resolve(Long.toString(version)));
        Files.copy(bundled.resolve("manifest.json"), folder.resolve("manifest.json"));
        Files.createLink(folder.resolve("weights.ndlist"), bundled.resolve("weights.ndlist"));
        List<String> labels = Files.readAllLines(bundled.resolve("labels.txt")).stream()
                .filter(line -> !line.isBlank())
                .map(line -> "v" + version + "-" + line.strip())
                .toList();
        Files.write(folder.resolve("labels.txt"), labels);
        return folder;
    }

    /** Deletes a folder and everything in it, without following links. */
    public static void delete(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    /** Waits until {@code version} is the model's only version and ready: the others answered their last image. */
    public static void awaitOnlyVersion(ModelRegistry registry, String model, long version)
            throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (registry.models().versions(model).size() != 1
                || registry.models().versions(model).get(0).version() != version
                || registry.models().versions(model).get(0).status() != ServedModel.Status.READY) {
            assertThat(System.nanoTime())
                    .as("only version " + version + " within a minute")
                    .isLessThan(until);
            Thread.sleep(20);
        }
    }
}
