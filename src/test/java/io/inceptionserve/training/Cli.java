package io.inceptionserve.training;

import io.inceptionserve.Commands;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Parses {@code train} command lines the way the jar does. */
final class Cli {

    private Cli() {}

    /** The resolved options of {@code inception-serve train <args>}. */
    static TrainingOptions options(String... args) {
        List<String> line = new ArrayList<>(List.of("train"));
        line.addAll(List.of(args));
        CommandLine.ParseResult parsed = Commands.commandLine().parseArgs(line.toArray(String[]::new));
        TrainCommand train = parsed.subcommand().commandSpec().commandLine().getCommand();
        return train.options();
    }
}
