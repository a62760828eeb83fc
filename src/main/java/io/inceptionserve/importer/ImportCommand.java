package io.inceptionserve.importer;

import io.inceptionserve.artifact.WeightStorage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code import}: turns torchvision's published ImageNet weights (a .pth state_dict) into a model
 * directory the service serves. Pure Java: no Python needed.
 */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        description = "Imports torchvision ImageNet weights (a .pth state_dict) as a model directory to serve.")
public final class ImportCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(
            names = "--arch",
            required = true,
            paramLabel = "ID",
            description = "Network the weights are for: googlenet-bn (torchvision googlenet) or inception-v3.")
    private String architecture;

    @Option(
            names = "--from",
            required = true,
            paramLabel = "FILE",
            description = "The state_dict, e.g. googlenet-1378be20.pth (torch's zip or legacy format).")
    private Path checkpoint;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Model directory to write.")
    private Path out;

    @Option(names = "--name", paramLabel = "NAME", description = "Model name in the manifest (default: DIR's name).")
    private String name;

    @Option(
            names = "--storage",
            defaultValue = "float32",
            paramLabel = "TYPE",
            description = "How the weights are stored: float32 (default, exact), float16 (half the size) or int8"
                    + " (a quarter: 8-bit weights with per-channel scales).")
    private String storage;

    @Option(
            names = "--labels",
            paramLabel = "FILE",
            description =
                    "Class names, one per line in class-index order (default: torchvision's 1000 ImageNet classes).")
    private Path labels;

    @Option(
            names = "--transform-input",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Start the network with torchvision's transform_input, as its pretrained weights need"
                    + " (default: on; --no-transform-input for weights trained without it).")
    private boolean transformInput;

    @Option(names = "--force", description = "Overwrite a model directory that already has files.")
    private boolean force;

    @Option(
            names = "--check-precision",
            arity = "1..*",
            paramLabel = "PHOTO",
            description = "Photos (as clients would upload them) to classify in float32 and bfloat16 after the"
                    + " import; when fewer than 99.5 % keep their top-1 class, the manifest keeps the model in"
                    + " float32 and says why.")
    private List<Path> checkPhotos = List.of();

    /**
     * Runs the command on its own, outside the application's command line.
     *
     * @param args the command's arguments
     * @return the exit code: 0 imported, 1 the checkpoint does not fit, 2 bad arguments
     */
    public static int run(String... args) {
        return new CommandLine(new ImportCommand()).execute(args);
    }

    @Override
    public Integer call() throws IOException {
        WeightStorage storageType;
        try {
            storageType = WeightStorage.parse(storage);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--" + e.getMessage());
        }
        if (!Files.isRegularFile(checkpoint)) {
            throw new ParameterException(spec.commandLine(), "--from " + checkpoint + " is not a file");
        }
        if (!force && hasFiles(out)) {
            throw new ParameterException(
                    spec.commandLine(), "--out " + out + " already has files; pass --force to overwrite them");
        }
        PrintWriter err = spec.commandLine().getErr();
        try {
            TorchvisionImporter.Source source = TorchvisionImporter.Source.forArchitecture(architecture);
            List<String> classNames = labels == null
                    ? TorchvisionImporter.imagenetLabels()
                    : Files.readAllLines(labels).stream()
                            .map(String::strip)
                            .filter(line -> !line.isEmpty())
                            .toList();
            String modelName = name != null
                    ? name
                    : out.toAbsolutePath().normalize().getFileName().toString();
            TorchvisionImporter.Result result = TorchvisionImporter.importCheckpoint(
                    source, checkpoint, out, modelName, classNames, transformInput, storageType);
            report(spec.commandLine().getOut(), source, modelName, classNames.size(), result, storageType);
            if (!checkPhotos.isEmpty()) {
                checkPrecision(spec.commandLine().getOut());
            }
            return 0;
        } catch (ImportException e) {
            err.println("import failed: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("import failed: cannot read or write " + e.getMessage());
            return 1;
        }
    }

    private void report(
            PrintWriter printer,
            TorchvisionImporter.Source source,
            String modelName,
            int classes,
            TorchvisionImporter.Result result,
            WeightStorage storageType) {
        printer.printf(
                Locale.ROOT,
                "Imported %d tensors (%,d values, BatchNorm statistics included) from %s;"
                        + " skipped %d entries: auxiliary heads and BatchNorm's num_batches_tracked%n",
                result.tensors(),
                result.values(),
                checkpoint.getFileName(),
                result.skipped());
        printer.printf(
                Locale.ROOT,
                "Wrote %s: %s, %d classes, input %d px (shorter side resized to %d, center crop),"
                        + " weights %s %.1f MB%s%n",
                out,
                source.architecture().id(),
                classes,
                source.inputSize(),
                source.resizeTo(),
                storageType.id(),
                result.weightsBytes() / 1e6,
                transformInput ? ", torchvision's transform_input in front" : "");
        printer.printf("Serve it with: --inception.models.%s=file:%s/%n", modelName, out);
        printer.flush();
    }

    private void checkPrecision(PrintWriter printer) throws IOException {
        printer.println(PrecisionCheck.apply(out, PrecisionCheck.run(out, checkPhotos)));
        printer.flush();
    }

    private static boolean hasFiles(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return Files.exists(directory);
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.findAny().isPresent();
        }
    }
}
