package io.inceptionserve.importer;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs {@code src/test/python/torchvision_reference.py} with Debian's Python and torchvision
 * (package python3-torchvision), the reference the importer's output is checked against.
 */
final class TorchReference {

    /** The system interpreter: the one apt installs torch for, whatever else is on the PATH. */
    private static final String PYTHON = "/usr/bin/python3";
    private static final String SCRIPT = "src/test/python/torchvision_reference.py";
    private static final long TIMEOUT_MINUTES = 5;

    private TorchReference() {}

    /**
     * Makes sure torchvision can run. Without it the calling test fails in CI (environment
     * variable CI=true), where it is installed, and is skipped elsewhere, saying what is missing.
     */
    static void require() {
        String missing;
        try {
            Result probe = python("-c", "import torch, torchvision");
            missing = probe.exitCode() == 0 ? null : probe.output().strip();
        } catch (IOException e) {
            missing = e.getMessage();
        }
        if (missing == null) {
            return;
        }
        String message = "the torchvision reference needs " + PYTHON
                + " with torch and torchvision (apt-get install python3-torchvision): " + missing;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(message);
        }
        Assumptions.abort(message);
    }

    /** Runs the script in {@code mode} ("networks" or "tensors") on {@code directory}. */
    static void run(String mode, Path directory) throws IOException {
        Result result = python(SCRIPT, mode, directory.toString());
        if (result.exitCode() != 0) {
            fail(SCRIPT + " " + mode + " failed with exit code " + result.exitCode() + ":\n" + result.output());
        }
        System.out.print(result.output());
    }

    private static Result python(String... args) throws IOException {
        String[] command = new String[args.length + 1];
        command[0] = PYTHON;
        System.arraycopy(args, 0, command, 1, args.length);
        Path log = Files.createTempFile("torchvision-reference", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in " + TIMEOUT_MINUTES + " min");
            }
            return new Result(process.exitValue(), Files.readString(log));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", command), e);
        } finally {
            Files.delete(log);
        }
    }

    private record Result(int exitCode, String output) {}
}
