package io.inceptionserve.jmh;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Debian torch's {@code autocast(bfloat16)} + channels-last on torchvision's networks, measured by
 * {@code src/jmh/python/autocast_torchvision.py}: the bfloat16 reference our inference form is
 * held against.
 */
final class AutocastReference {

    private static final String SCRIPT = "src/jmh/python/autocast_torchvision.py";
    private static final int SECONDS = 4;

    private AutocastReference() {}

    /**
     * Images per second by {@code name:batch}.
     *
     * @param python the interpreter with torchvision
     * @param networks torchvision names (googlenet, inception_v3)
     * @param batches batch sizes
     * @param threads torch's intra-op threads
     */
    static Map<String, Double> measure(String python, List<String> networks, List<Integer> batches, int threads)
            throws IOException, InterruptedException {
        List<String> command =
                new ArrayList<>(List.of(python, SCRIPT, String.valueOf(threads), String.valueOf(SECONDS)));
        for (String network : networks) {
            for (int batch : batches) {
                command.add(network + ":" + TorchScriptReferences.inputSize(network) + ":" + batch);
            }
        }
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Map<String, Double> speeds = new LinkedHashMap<>();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                String[] fields = line.split(" ");
                speeds.put(fields[0], Double.parseDouble(fields[1]));
            }
        }
        if (process.waitFor() != 0) {
            throw new IllegalStateException(SCRIPT + " failed (needs Debian's python3-torchvision)");
        }
        return speeds;
    }
}
