package io.inceptionserve.importer;

import static org.junit.jupiter.api.Assertions.fail;

import io.inceptionserve.Prerequisites;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.importer.TorchvisionImporter.Source;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The reference the importer's output is checked against: {@code
 * src/test/python/torchvision_reference.py}, run with Debian's Python and torchvision (package
 * python3-torchvision) once per test run, into {@code target/torchvision-reference}.
 */
public final class TorchReference {

    /** The photo among the inputs, prepared the way the service prepares uploads. */
    static final Path PHOTO = Path.of("src/test/resources/images/pullover.jpg");

    /** Index of {@link #PHOTO} among the inputs, after the random ones. */
    static final int PHOTO_INPUT = 2;

    /**
     * The system interpreter: the one apt installs torch for, whatever else is on the PATH
     * ({@code TORCHVISION_PYTHON} names another, e.g. an absent one to see the skip).
     */
    private static final String PYTHON = System.getenv().getOrDefault("TORCHVISION_PYTHON", "/usr/bin/python3");

    private static final String SCRIPT = "src/test/python/torchvision_reference.py";
    private static final Path DIRECTORY = Path.of("target", "torchvision-reference");
    private static final long TIMEOUT_MINUTES = 5;

    /**
     * Real photographs (see the LICENCE file beside them), PNG and JPEG, larger and smaller than
     * the crops, landscape, portrait, square and a 5:1 strip.
     */
    static final List<Path> PHOTOS = List.of(
            Path.of("src/test/resources/photos/chelsea-330x270.png"),
            Path.of("src/test/resources/photos/astronaut-200x290.png"),
            Path.of("src/test/resources/photos/coffee-240x240.png"),
            Path.of("src/test/resources/photos/chelsea-451x90.png"),
            Path.of("src/test/resources/photos/coffee-600x400.jpg"),
            Path.of("src/test/resources/photos/rocket-427x640.jpg"),
            Path.of("src/test/resources/photos/chelsea-170x130.jpg"));

    private static Path networks;
    private static Path tensors;
    private static Path photos;
    private static Path resized;

    private TorchReference() {}

    /**
     * The directory with torchvision's checkpoints, inputs and logits for each {@link Source}
     * (see the script): {@code <id>.pth}, {@code <id>.input.f32}, {@code <id>.logits.f32}, and
     * googlenet-bn's {@code -legacy.pth} and {@code -doctored.pth}.
     */
    public static synchronized Path networks() throws IOException {
        if (networks == null) {
            Path directory = prepare("networks");
            for (Source source : Source.values()) {
                writeInputs(source, directory);
            }
            run("networks", directory);
            networks = directory;
        }
        return networks;
    }

    /** The directory with the script's small tensors: tensors.pth, tensors-legacy.pth, tensors.json, module.pth. */
    static synchronized Path tensors() throws IOException {
        if (tensors == null) {
            Path directory = prepare("tensors");
            run("tensors", directory);
            tensors = directory;
        }
        return tensors;
    }

    /**
     * The directory with torchvision's PIL pipeline run on {@link #PHOTOS} through the networks of
     * {@link #networks()}: {@code <id>.photos.f32} (probabilities, photos × 1000), each photo's
     * pixels as PIL decodes them ({@code <file name>.rgb}) and their sizes ({@code photos.json}).
     */
    static synchronized Path photos() throws IOException {
        if (photos == null) {
            networks();
            Path directory = prepare("photos");
            run("photos", directory, PHOTOS);
            photos = directory;
        }
        return photos;
    }

    /** The directory with PIL's resizes of {@link #PHOTOS}, listed in {@code resize.json}. */
    static synchronized Path resized() throws IOException {
        if (resized == null) {
            Path directory = prepare("resize");
            run("resize", directory, PHOTOS);
            resized = directory;
        }
        return resized;
    }

    /** torchvision's logits for {@code source}, one row of 1000 per input. */
    static float[][] logits(Source source) throws IOException {
        return rows(readFloats(networks().resolve(source.architecture().id() + ".logits.f32")), 1000);
    }

    /** The inputs of {@code source}, N × 3 × size × size in one array. */
    static float[] inputs(Source source) throws IOException {
        return readFloats(networks().resolve(source.architecture().id() + ".input.f32"));
    }

    static float[] readFloats(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    static float[][] rows(float[] values, int columns) {
        float[][] rows = new float[values.length / columns][columns];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(values, i * columns, rows[i], 0, columns);
        }
        return rows;
    }

    /**
     * Returns the directory for {@code mode}'s files once torchvision is known to run. Without it
     * the calling test fails in CI (environment variable CI=true), where it is installed, and is
     * skipped elsewhere, saying what is missing.
     */
    private static Path prepare(String mode) throws IOException {
        String missing;
        try {
            Result probe = python("-c", "import torch, torchvision");
            missing = probe.exitCode() == 0 ? null : probe.output().strip();
        } catch (IOException e) {
            missing = e.getMessage();
        }
        if (missing != null) {
            String message = "the torchvision reference needs " + PYTHON
                    + " with torch and torchvision (apt-get install python3-torchvision): " + missing;
            Prerequisites.missing(message);
        }
        return Files.createDirectories(DIRECTORY.resolve(mode));
    }

    /** Two standard-normal tensors and {@link #PHOTO}, the service's way. */
    private static void writeInputs(Source source, Path directory) throws IOException {
        ImagePreprocessor preprocessor =
                new ImagePreprocessor(TorchvisionImporter.manifest(source, "reference", null, true));
        int length = preprocessor.tensorLength();
        ByteBuffer inputs =
                ByteBuffer.allocate((PHOTO_INPUT + 1) * length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        Random random = new Random(source.ordinal());
        for (int i = 0; i < PHOTO_INPUT * length; i++) {
            inputs.putFloat((float) random.nextGaussian());
        }
        for (float value : preprocessor.prepare(Files.readAllBytes(PHOTO))) {
            inputs.putFloat(value);
        }
        Files.write(directory.resolve(source.architecture().id() + ".input.f32"), inputs.array());
    }

    private static void run(String mode, Path directory) throws IOException {
        run(mode, directory, List.of());
    }

    private static void run(String mode, Path directory, List<Path> files) throws IOException {
        List<String> args = new ArrayList<>(List.of(SCRIPT, mode, directory.toString()));
        files.forEach(file -> args.add(file.toString()));
        Result result = python(args.toArray(String[]::new));
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
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
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
