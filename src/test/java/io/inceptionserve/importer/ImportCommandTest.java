package io.inceptionserve.importer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command's refusals, which need no checkpoint from torch. */
class ImportCommandTest {

    private static final String NOT_A_CHECKPOINT = "src/test/resources/images/trouser.png";

    @TempDir
    Path out;

    @Test
    void anArchitectureWithoutTorchvisionWeightsIsRefusedWithTheImportableOnes() {
        Execution execution =
                importCommand("--arch", "inception-v2", "--from", NOT_A_CHECKPOINT, "--out", out.toString());

        assertThat(execution.exitCode()).isEqualTo(1);
        assertThat(execution.err())
                .contains(
                        "torchvision has no weights for architecture 'inception-v2'; importable: googlenet-bn, inception-v3");
    }

    @Test
    void aFileThatIsNoCheckpointIsRefused() {
        Execution execution =
                importCommand("--arch", "googlenet-bn", "--from", NOT_A_CHECKPOINT, "--out", out.toString());

        assertThat(execution.exitCode()).isEqualTo(1);
        assertThat(execution.err()).contains("trouser.png is neither a zip archive nor in torch's legacy format");
        assertThat(out).isEmptyDirectory();
    }

    @Test
    void aMissingCheckpointIsAUsageError() {
        Execution execution =
                importCommand("--arch", "googlenet-bn", "--from", "googlenet-1378be20.pth", "--out", out.toString());

        assertThat(execution.exitCode()).isEqualTo(2);
        assertThat(execution.err()).contains("--from googlenet-1378be20.pth is not a file");
    }

    @Test
    void anUnknownStorageTypeIsAUsageError() {
        Execution execution = importCommand(
                "--arch", "googlenet-bn", "--from", NOT_A_CHECKPOINT, "--out", out.toString(), "--storage", "int4");

        assertThat(execution.exitCode()).isEqualTo(2);
        assertThat(execution.err()).contains("--storage must be float32, float16 or int8, was int4");
    }

    @Test
    void anExistingModelIsOverwrittenOnlyWithForce() throws IOException {
        Files.writeString(out.resolve("manifest.json"), "{}");

        Execution execution =
                importCommand("--arch", "googlenet-bn", "--from", NOT_A_CHECKPOINT, "--out", out.toString());

        assertThat(execution.exitCode()).isEqualTo(2);
        assertThat(execution.err()).contains("already has files; pass --force to overwrite them");
        assertThat(out.resolve("manifest.json")).hasContent("{}");
    }

    @Test
    void requiredOptionsAreNamed() {
        Execution execution = importCommand("--arch", "googlenet-bn");

        assertThat(execution.exitCode()).isEqualTo(2);
        assertThat(execution.err()).contains("Missing required options: '--from=FILE', '--out=DIR'");
    }

    /** Runs the command through picocli, as the application's command line does. */
    static Execution importCommand(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new ImportCommand());
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        int exitCode = command.execute(args);
        return new Execution(exitCode, out.toString(), err.toString());
    }

    record Execution(int exitCode, String out, String err) {}
}
