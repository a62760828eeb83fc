package io.inceptionserve;

import ai.djl.engine.Engine;
import io.inceptionserve.importer.ImportCommand;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.training.TrainCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The jar's command line: {@code serve} (the default) and the tasks that run without Spring,
 * {@code train} and {@code import}, e.g. {@code java -jar inception-serve.jar train --model
 * googlenet-bn --out models/googlenet-bn}. Help, version and wrong arguments are answered here,
 * before anything starts.
 */
@Command(
        name = "inception-serve",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 100,
        versionProvider = Commands.Versions.class,
        subcommands = {Commands.Serve.class, TrainCommand.class, ImportCommand.class},
        description = {
            "Image classification service: GoogLeNet and Inception networks on DJL's PyTorch engine.",
            "Without a command, or with only --name=value settings, the jar runs `serve`."
        },
        commandListHeading = "%nCommands:%n",
        footerHeading = "%n",
        footer = {
            Commands.SERVING_OPTIONS,
            "",
            "Examples:",
            "  java -jar inception-serve.jar",
            "  java -jar inception-serve.jar --server.port=9000 --inception.models.mine=file:models/mine/",
            "  java -jar inception-serve.jar train --help"
        })
public final class Commands implements Runnable {

    /** The main settings of the service, shown by {@code --help} and {@code serve --help}. */
    static final String SERVING_OPTIONS = "Main serving options: any Spring Boot property, as --name=value or as an"
            + " environment%nvariable (SERVER_PORT, INCEPTION_DEFAULT_MODEL, ...):%n"
            + "  --server.port=8080                      REST API, Open Inference Protocol, demo page, Swagger UI%n"
            + "  --management.server.port=8081           health probes, Prometheus metrics, /actuator/inference%n"
            + "  --inception.models.NAME=LOCATION        serve a model directory, e.g. file:/models/mine/%n"
            + "  --inception.default-model=googlenet-bn  the model of requests that name none%n"
            + "  --inception.inference.devices=auto      auto (every GPU, else the CPU), cpu or gpu%n"
            + "  --inception.security.mode=none          none, api-key or oauth2";

    /** A Spring property given on the command line; Spring would also take bare words, which are typos here. */
    private static final Pattern SPRING_PROPERTY = Pattern.compile("--[A-Za-z][^=\\s]*=.*", Pattern.DOTALL);

    @Spec
    private CommandSpec spec;

    /** Set by {@code serve}: the arguments to start Spring with. */
    private String[] springArguments;

    /**
     * What the jar does with its arguments: serve with {@link #springArguments()}, or stop with
     * {@link #exitCode()}.
     */
    public record Outcome(String[] springArguments, int exitCode) {

        public boolean serves() {
            return springArguments != null;
        }
    }

    /** Answers help, version and wrong arguments, runs {@code train} or {@code import}, or says to serve. */
    public static Outcome run(String[] args) {
        Commands commands = new Commands();
        int exitCode = commandLine(commands).execute(servingByDefault(args));
        return new Outcome(commands.springArguments, exitCode);
    }

    /** The command line, for parsing without running. */
    public static CommandLine commandLine() {
        return commandLine(new Commands());
    }

    private static CommandLine commandLine(Commands commands) {
        CommandLine line = new CommandLine(commands).setParameterExceptionHandler(new Hint());
        // The tasks' own --version answers as the jar's does, rather than with nothing.
        line.getSubcommands().values().forEach(task -> task.getCommandSpec().versionProvider(new Versions()));
        return line;
    }

    /** No arguments, or only Spring properties: the jar is a service first. */
    private static String[] servingByDefault(String[] args) {
        if (Arrays.stream(args).allMatch(arg -> SPRING_PROPERTY.matcher(arg).matches())) {
            return Stream.concat(Stream.of("serve"), Arrays.stream(args)).toArray(String[]::new);
        }
        return args;
    }

    @Override
    public void run() {
        throw new ParameterException(
                spec.commandLine(),
                "Missing sub-command: one of "
                        + String.join(", ", spec.subcommands().keySet()));
    }

    @Command(
            name = "serve",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 100,
            description = "Runs the classification service (the default when no command is given).",
            customSynopsis = "inception-serve serve [-hV] [--name=value...]",
            footerHeading = "%n",
            footer = {
                SERVING_OPTIONS,
                "",
                "It listens until stopped (SIGTERM drains the requests in flight). The README and docs/ list"
                        + " every setting."
            })
    static final class Serve implements Runnable {

        @Spec
        private CommandSpec spec;

        @ParentCommand
        private Commands parent;

        /** Empty, not null, when the jar is started without arguments. */
        @CommandLine.Unmatched
        private List<String> settings = new ArrayList<>();

        @Override
        public void run() {
            List<String> wrong = settings.stream()
                    .filter(arg -> !SPRING_PROPERTY.matcher(arg).matches())
                    .toList();
            if (!wrong.isEmpty()) {
                throw new ParameterException(
                        spec.commandLine(),
                        "Unknown argument(s): " + String.join(", ", wrong)
                                + ". Serving options are Spring properties written --name=value,"
                                + " e.g. --server.port=9000");
            }
            parent.springArguments = settings.toArray(String[]::new);
        }
    }

    /** A wrong command line: the error, a suggestion if picocli has one, and where help is; exit code 2. */
    private static final class Hint implements IParameterExceptionHandler {

        @Override
        public int handleParseException(ParameterException exception, String[] args) {
            CommandLine command = exception.getCommandLine();
            PrintWriter err = command.getErr();
            err.println(exception.getMessage());
            UnmatchedArgumentException.printSuggestions(exception, err);
            err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help'.");
            err.flush();
            return command.getCommandSpec().exitCodeOnInvalidInput();
        }
    }

    /** {@code --version}: this build, DJL, libtorch and the devices libtorch sees, found offline. */
    static final class Versions implements IVersionProvider {

        @Override
        public String[] getVersion() {
            // DJL would log its engine loading on the console, around the four lines asked for.
            LoggingSystem.get(Commands.class.getClassLoader())
                    .setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.ERROR);
            Engine engine = OfflineEngine.pytorch();
            return new String[] {
                "inception-serve " + projectVersion(),
                "DJL " + Engine.getDjlVersion() + ", PyTorch (libtorch) " + engine.getVersion(),
                "Devices: "
                        + OfflineEngine.visibleDevices().stream()
                                .map(Object::toString)
                                .collect(Collectors.joining(", ")),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")"
            };
        }

        /** From the build-info the Spring Boot plugin writes at build time, as GET /v2 reports it. */
        private static String projectVersion() {
            try (InputStream in = Commands.class.getResourceAsStream("/META-INF/build-info.properties")) {
                if (in == null) {
                    return "(unknown: no build-info on the class path)";
                }
                Properties info = new Properties();
                info.load(in);
                return info.getProperty("build.version", "(unknown)");
            } catch (IOException e) {
                return "(unknown: " + e.getMessage() + ")";
            }
        }
    }
}
