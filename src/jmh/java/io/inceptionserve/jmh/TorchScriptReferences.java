package io.inceptionserve.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The TorchScript references: torchvision's {@code googlenet} (GoogLeNet-BN's topology, 224 px)
 * and {@code inception_v3} (the closest torchvision network to Inception-v2, 299 px), traced by
 * {@code src/jmh/python/trace_torchvision.py} with Debian's {@code python3-torchvision}.
 */
final class TorchScriptReferences {

    /** torchvision name → input side. */
    static final Map<String, Integer> INPUT_SIZES = Map.of("googlenet", 224, "inception_v3", 299);

    private static final Path SCRIPT = Path.of("src/jmh/python/trace_torchvision.py");

    private TorchScriptReferences() {}

    static int inputSize(String reference) {
        Integer size = INPUT_SIZES.get(reference);
        if (size == null) {
            throw new IllegalArgumentException(
                    "No TorchScript reference " + reference + "; known: " + INPUT_SIZES.keySet());
        }
        return size;
    }

    /** Traces every reference missing from {@code directory} with {@code python}. */
    static void ensureTraced(Path directory, String python) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(python, SCRIPT.toString(), directory.toString()));
        INPUT_SIZES.forEach((name, size) -> {
            if (!Files.exists(directory.resolve(name + ".pt"))) {
                command.add(name + ":" + size);
            }
        });
        if (command.size() == 3) {
            return;
        }
        Process process = new ProcessBuilder(command).inheritIO().start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("Tracing failed: " + String.join(" ", command)
                    + " (needs Debian's python3-torchvision: apt-get install python3-torchvision)");
        }
    }
}
