package io.inceptionserve;

import io.inceptionserve.importer.ImportCommand;
import io.inceptionserve.training.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The command-line tasks of the jar besides serving, e.g. {@code java -jar inception-serve.jar
 * train --model googlenet-bn --out models/googlenet-bn}. They run without Spring.
 */
@Command(
        name = "inception-serve",
        mixinStandardHelpOptions = true,
        subcommands = {TrainCommand.class, ImportCommand.class},
        description = "Tasks besides serving; started without a sub-command, the jar runs the service.")
public final class Commands implements Runnable {

    @Spec
    private CommandSpec spec;

    /**
     * Runs the sub-command {@code args} name.
     *
     * @return the process exit code
     */
    public static int run(String[] args) {
        return commandLine().execute(args);
    }

    /** Whether {@code args} start with the name of one of these sub-commands (rather than service arguments). */
    public static boolean isCommand(String[] args) {
        return args.length > 0 && commandLine().getSubcommands().containsKey(args[0]);
    }

    /** The command line, for parsing without running. */
    public static CommandLine commandLine() {
        return new CommandLine(new Commands());
    }

    @Override
    public void run() {
        throw new ParameterException(
                spec.commandLine(),
                "Missing sub-command: one of "
                        + String.join(", ", spec.subcommands().keySet()));
    }
}
