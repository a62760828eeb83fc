package io.inceptionserve.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;

/**
 * The checkpoints of a run, one per completed epoch, in a directory of their own: {@code
 * epoch-0003.ndlist} (every parameter of the training network, aux heads included) and {@code
 * epoch-0003.json} (a {@link State}).
 *
 * <p>Each file is written under a temporary name and then renamed, and the state file goes last,
 * so a state file always names a complete epoch whose weights are complete too: a run killed at
 * any moment leaves at worst a {@code .tmp} file or weights without a state file, both ignored.
 * Only the newest checkpoint is kept, and beside it {@code best.ndlist}, the weights of the epoch
 * with the best validation top-1 when the run has a validation split.
 *
 * <p>Adam's moment estimates are not saved: DJL's {@code Adam} keeps them in private fields. A
 * resumed run starts Adam afresh (its bias correction restarts with it) while the learning-rate
 * schedule continues where it stopped.
 */
final class Checkpoints {

    private static final Pattern STATE_FILE = Pattern.compile("epoch-\\d{4,}\\.json");
    private static final Pattern CHECKPOINT_FILE = Pattern.compile("epoch-\\d{4,}\\.(json|ndlist)(\\.tmp)?");
    private static final String BEST = "best.ndlist";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Checkpoints() {}

    /**
     * What a checkpoint records besides the weights: enough to check that a resumed run trains the
     * same network on the same classes, and to continue its history and random streams (every
     * epoch's shuffling, augmentation and dropout are seeded from {@code seed} and the epoch).
     *
     * @param epoch the last completed epoch, 1-based
     * @param history every completed epoch's metrics, earlier runs included
     */
    record State(
            String architecture,
            String dataset,
            int inputSize,
            int channels,
            List<String> classes,
            long seed,
            int epoch,
            List<EpochMetrics> history) {}

    /** A complete checkpoint. */
    record Checkpoint(State state, byte[] weights) {}

    /** Writes the checkpoint of {@code state.epoch()} and then removes every other one. */
    static void save(Path dir, State state, byte[] weights) throws IOException {
        Files.createDirectories(dir);
        String base = String.format("epoch-%04d", state.epoch());
        writeAtomically(dir.resolve(base + ".ndlist"), weights);
        writeAtomically(dir.resolve(base + ".json"), JSON.writeValueAsBytes(state));
        deleteAllExcept(dir, base);
    }

    /** The newest complete checkpoint in {@code dir}, if any. */
    static Optional<Checkpoint> latest(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        Optional<Path> newest;
        try (Stream<Path> files = Files.list(dir)) {
            newest = files.filter(file ->
                            STATE_FILE.matcher(file.getFileName().toString()).matches())
                    .filter(file -> Files.exists(weightsFileOf(file)))
                    .max(Comparator.comparingInt(Checkpoints::epochOf));
        }
        if (newest.isEmpty()) {
            return Optional.empty();
        }
        Path stateFile = newest.get();
        State state = JSON.readValue(stateFile.toFile(), State.class);
        return Optional.of(new Checkpoint(state, Files.readAllBytes(weightsFileOf(stateFile))));
    }

    /** Removes every checkpoint file, complete or not: a fresh run must not be resumed into an older one. */
    static void clear(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            deleteAllExcept(dir, null);
            Files.deleteIfExists(dir.resolve(BEST));
        }
    }

    /** Keeps {@code weights} as the best epoch's. */
    static void saveBest(Path dir, byte[] weights) throws IOException {
        Files.createDirectories(dir);
        writeAtomically(dir.resolve(BEST), weights);
    }

    /** The best epoch's weights, if a run saved them. */
    static Optional<byte[]> best(Path dir) throws IOException {
        Path file = dir.resolve(BEST);
        return Files.isRegularFile(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
    }

    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temp, bytes);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void deleteAllExcept(Path dir, String keptBase) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                boolean kept =
                        keptBase != null && (name.equals(keptBase + ".json") || name.equals(keptBase + ".ndlist"));
                if (CHECKPOINT_FILE.matcher(name).matches() && !kept) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    private static Path weightsFileOf(Path stateFile) {
        return stateFile.resolveSibling(stateFile.getFileName().toString().replace(".json", ".ndlist"));
    }

    /** The epoch of a file already known to match {@link #STATE_FILE}. */
    private static int epochOf(Path stateFile) {
        String name = stateFile.getFileName().toString();
        return Integer.parseInt(name.substring("epoch-".length(), name.length() - ".json".length()));
    }
}
