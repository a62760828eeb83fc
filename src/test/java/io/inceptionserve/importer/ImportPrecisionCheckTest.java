package io.inceptionserve.importer;

import static io.inceptionserve.importer.ImportCommandTest.importCommand;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.importer.ImportCommandTest.Execution;
import io.inceptionserve.model.CpuFeatures;
import io.inceptionserve.model.Precision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The accuracy guard of bfloat16 for imported torchvision models, on photographs: {@code import
 * --check-precision} classifies the committed photos in float32 and bfloat16, reports how many
 * keep their top-1 class, and pins the manifest to float32 when fewer than 99.5 % do, so that
 * {@code auto} keeps the model in float32 wherever it runs. The figures are printed.
 */
class ImportPrecisionCheckTest {

    @TempDir
    Path models;

    @ParameterizedTest
    @ValueSource(strings = {"googlenet-bn", "inception-v3"})
    void theImportMeasuresBfloat16OnPhotosAndKeepsAModelThatFailsInFloat32(String architecture) throws Exception {
        Path out = models.resolve(architecture);
        List<String> args = new ArrayList<>(List.of(
                "--arch",
                architecture,
                "--from",
                TorchReference.networks().resolve(architecture + ".pth").toString(),
                "--out",
                out.toString(),
                "--check-precision"));
        TorchReference.PHOTOS.forEach(photo -> args.add(photo.toString()));

        Execution execution = importCommand(args.toArray(String[]::new));

        assertThat(execution.exitCode()).as(execution.err()).isZero();
        System.out.println(architecture + ": "
                + execution.out().strip().lines().reduce((first, last) -> last).orElse(""));
        ModelManifest manifest = ModelArtifact.open(out).manifest();
        // Measured again on what was written: the same verdict, the same figures.
        PrecisionCheck.Result check = PrecisionCheck.run(out, TorchReference.PHOTOS);
        assertThat(check.images()).isEqualTo(TorchReference.PHOTOS.size());
        assertThat(check.maxProbabilityDelta()).isPositive();
        if (check.passes()) {
            assertThat(execution.out()).contains("Precision check passed: " + check.describe());
            assertThat(manifest.precisionSetting()).isEqualTo(Precision.AUTO);
        } else {
            assertThat(execution.out()).contains("Precision check failed: " + check.describe());
            assertThat(manifest.precisionSetting()).isEqualTo(Precision.FLOAT32);
            assertThat(manifest.description()).endsWith("kept in float32: " + check.describe());
            assertThat(manifest.precisionSetting()
                            .resolve(Device.cpu(), CpuFeatures.detect())
                            .precision())
                    .isEqualTo(Precision.FLOAT32);
        }
    }

    /** What a model that fails the check gets, whichever way the photos above went on this CPU. */
    @Test
    void aModelThatFailsTheCheckIsPinnedToFloat32AndSaysWhy() throws Exception {
        Path directory = models.resolve("googlenet");
        Files.createDirectories(directory);
        for (String file : List.of("manifest.json", "labels.txt", "weights.ndlist")) {
            Files.copy(Path.of("src/main/resources/models/googlenet", file), directory.resolve(file));
        }
        PrecisionCheck.Result failed = new PrecisionCheck.Result(7, 1, 0.31);
        assertThat(failed.passes()).isFalse();

        PrecisionCheck.keepFloat32(directory, failed);

        ModelManifest manifest = ModelArtifact.open(directory).manifest();
        ModelManifest bundled = ModelArtifact.open(Path.of("src/main/resources/models/googlenet"))
                .manifest();
        assertThat(manifest.precisionSetting()).isEqualTo(Precision.FLOAT32);
        assertThat(manifest.trainedOn()).isNotBlank().isEqualTo(bundled.trainedOn());
        assertThat(manifest.accuracy()).isNotNull().isEqualTo(bundled.accuracy());
        assertThat(manifest.description())
                .endsWith("; kept in float32: bfloat16 changed the top-1 class of 1 of 7 check images"
                        + " (85.7 % kept, 99.5 % required), max |Δp| 0.3100");
        assertThat(manifest.precisionSetting()
                        .resolve(Device.cpu(), CpuFeatures.detect())
                        .precision())
                .isEqualTo(Precision.FLOAT32);
    }
}
