package io.inceptionserve;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import io.inceptionserve.model.OfflineEngine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The jar's main method, run in a JVM of its own as {@code java -jar inception-serve.jar ARGS}
 * runs it: help, version and wrong arguments are answered without starting the service.
 */
class CommandsTest {

    private record Run(int exitCode, String output) {}

    private static Run main(String... args) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                "io.inceptionserve.InceptionServeApplication"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(2, TimeUnit.MINUTES))
                .as("%s ends by itself", List.of(args))
                .isTrue();
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    @Test
    void helpListsTheCommandsAndTheMainServingOptionsWithoutStartingTheService() throws Exception {
        Run help = main("--help");

        assertThat(help.exitCode()).as(help.output()).isZero();
        assertThat(help.output())
                .contains("serve", "train", "import")
                .contains("--server.port=8080", "--management.server.port=8081", "--inception.models.NAME=LOCATION")
                .doesNotContain(":: Spring Boot ::", "Tomcat");
        assertThat(main("serve", "--help").output()).contains("--inception.inference.devices=auto");
    }

    @Test
    void theTasksKeepTheirOwnHelp() throws Exception {
        Run train = main("train", "--help");
        Run importer = main("import", "--help");

        assertThat(train.exitCode()).isZero();
        assertThat(train.output()).contains("Usage: inception-serve train", "--fashion-mnist-dir");
        assertThat(importer.exitCode()).isZero();
        assertThat(importer.output()).contains("Usage: inception-serve import");
    }

    @Test
    void versionNamesThisBuildTheEngineAndTheDevices() throws Exception {
        Run version = main("--version");

        assertThat(version.exitCode()).as(version.output()).isZero();
        assertThat(version.output())
                .contains("inception-serve " + buildVersion())
                .contains("DJL " + Engine.getDjlVersion())
                .contains("PyTorch (libtorch) " + OfflineEngine.pytorch().getVersion())
                .contains("Devices: " + OfflineEngine.visibleDevices().get(0));
        assertThat(main("train", "--version").output()).isEqualTo(version.output());
    }

    /** In this JVM: what would start Spring is only returned. */
    @Test
    void noArgumentsOrOnlySpringSettingsServe() {
        assertThat(Commands.run(new String[0]).serves()).isTrue();
        assertThat(Commands.run(new String[0]).springArguments()).isEmpty();
        assertThat(Commands.run(new String[] {"--server.port=9000", "--inception.default-model=googlenet"})
                        .springArguments())
                .containsExactly("--server.port=9000", "--inception.default-model=googlenet");
        assertThat(Commands.run(new String[] {"serve", "--server.port=9000"}).springArguments())
                .containsExactly("--server.port=9000");
        assertThat(Commands.run(new String[] {"serve", "--server.port", "9000"}).serves())
                .isFalse();
    }

    @Test
    void wrongArgumentsExitWithTwoAndAHint() throws Exception {
        Run option = main("--bogus");
        Run typo = main("trian");
        Run spaced = main("serve", "--server.port", "9000");

        assertThat(option.exitCode()).isEqualTo(2);
        assertThat(option.output()).contains("Unknown option: '--bogus'", "Try 'inception-serve --help'");
        assertThat(typo.exitCode()).isEqualTo(2);
        assertThat(typo.output()).contains("trian", "train");
        assertThat(spaced.exitCode()).isEqualTo(2);
        assertThat(spaced.output()).contains("--name=value", "Try 'inception-serve serve --help'");
    }

    private static String buildVersion() throws IOException {
        try (InputStream in = CommandsTest.class.getResourceAsStream("/META-INF/build-info.properties")) {
            Properties info = new Properties();
            info.load(in);
            return info.getProperty("build.version");
        }
    }
}
