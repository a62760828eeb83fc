package io.inceptionserve;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;

/**
 * What some tests need beyond a JDK (Chromium, Debian's torchvision, Debian's Fashion-MNIST,
 * curl).
 * Where it is missing the test is skipped with a one-line notice naming the package, and
 * {@link SkippedTestsSummary} lists the skips at the end of the run; in CI ({@code CI=true}),
 * where {@code .ci/run} installs everything, the test fails instead, since a skip there would
 * hide a broken set-up.
 */
public final class Prerequisites {

    private Prerequisites() {}

    /** Stops the calling test unless {@code command} is an executable on the PATH. */
    public static void onPath(String command, String aptPackage, String purpose) {
        boolean found = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, command)));
        if (!found) {
            missing(purpose + " needs " + command + " on the PATH (apt-get install " + aptPackage + ")");
        }
    }

    /** Stops the calling test: skipped on a developer's machine, failed in CI. */
    public static void missing(String notice) {
        String oneLine = notice.strip().replaceAll("\\s*\\R\\s*", " ");
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(oneLine);
        }
        Assumptions.abort(oneLine);
    }
}
