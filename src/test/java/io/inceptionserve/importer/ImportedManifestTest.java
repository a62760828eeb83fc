package io.inceptionserve.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.artifact.ModelManifest.Resampling;
import io.inceptionserve.artifact.ModelManifest.Upscale;
import io.inceptionserve.importer.TorchvisionImporter.Source;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.blocks.TorchvisionInputTransform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optional manifest fields transformInput and upscale: recorded by imports, absent everywhere else. */
class ImportedManifestTest {

    @TempDir
    Path dir;

    @Test
    void anImportedManifestPutsTorchvisionsTransformInFrontOfTheNetwork() throws IOException {
        ModelManifest manifest = TorchvisionImporter.manifest(Source.INCEPTION_V3, "v3", "test", true);
        write(manifest);

        assertThat(Files.readString(dir.resolve(ModelArtifact.MANIFEST))).contains("\"transformInput\" : true");
        ModelArtifact artifact = ModelArtifact.open(dir);
        assertThat(artifact.manifest().transformsInput()).isTrue();
        InceptionNetwork network = (InceptionNetwork) artifact.newBlock();
        assertThat(network.stages().keySet())
                .containsExactly(TorchvisionInputTransform.STAGE, "stem", "mixed5", "mixed6", "mixed7", "head");
    }

    @Test
    void otherManifestsDoNotMentionTheField() throws IOException {
        write(TorchvisionImporter.manifest(Source.GOOGLENET, "plain", "test", false));

        assertThat(Files.readString(dir.resolve(ModelArtifact.MANIFEST))).doesNotContain("transformInput");
        ModelArtifact artifact = ModelArtifact.open(dir);
        assertThat(artifact.manifest().transformsInput()).isFalse();
        assertThat(((InceptionNetwork) artifact.newBlock()).stages())
                .doesNotContainKey(TorchvisionInputTransform.STAGE);
    }

    @Test
    void manifestsWrittenBeforeTheFieldExistedStillOpen() {
        ModelArtifact bundled = ModelArtifact.open(Path.of("src/main/resources/models/googlenet-bn"));

        assertThat(bundled.manifest().transformInput()).isNull();
        assertThat(bundled.manifest().transformsInput()).isFalse();
        assertThat(bundled.manifest().preprocessing().upscale()).isNull();
        assertThat(bundled.manifest().preprocessing().upscaling()).isEqualTo(Upscale.BICUBIC);
        assertThat(bundled.manifest().preprocessing().resampling()).isNull();
    }

    @Test
    void importsResampleAsTorchvisionsPilPipelineDoes() throws IOException {
        write(TorchvisionImporter.manifest(Source.GOOGLENET, "plain", "test", false));

        String written = Files.readString(dir.resolve(ModelArtifact.MANIFEST));
        assertThat(written).contains("\"resampling\" : \"PIL_BILINEAR\"").doesNotContain("upscale");
        assertThat(ModelArtifact.open(dir).manifest().preprocessing().resampling())
                .isEqualTo(Resampling.PIL_BILINEAR);
    }

    @Test
    void upscaleBelongsToTheDefaultResamplingOnly() {
        ModelManifest imported = TorchvisionImporter.manifest(Source.GOOGLENET, "both", "test", false);
        var p = imported.preprocessing();
        ModelManifest both = new ModelManifest(
                imported.name(),
                imported.architecture(),
                imported.description(),
                imported.labels(),
                imported.input(),
                new ModelManifest.Preprocessing(
                        p.resize(), p.resizeTo(), p.mean(), p.std(), Upscale.BILINEAR, Resampling.PIL_BICUBIC),
                null);

        assertThat(both.problems())
                .containsExactly("'preprocessing.upscale' applies to the default resampling only, not to PIL_BICUBIC");
    }

    @Test
    void theTransformNeedsRgbInput() {
        ModelManifest imported = TorchvisionImporter.manifest(Source.GOOGLENET, "grey", "test", true);
        ModelManifest grey = new ModelManifest(
                imported.name(),
                imported.architecture(),
                imported.description(),
                imported.labels(),
                new ModelManifest.Input(224, 1),
                new ModelManifest.Preprocessing(
                        ModelManifest.ResizePolicy.SHORTER_SIDE, 256, new float[] {0.5f}, new float[] {0.25f}),
                null,
                true);

        assertThat(grey.problems()).containsExactly("'transformInput' needs 'input.channels' 3, was 1");
    }

    private void write(ModelManifest manifest) throws IOException {
        ModelArtifact.writeManifest(dir, manifest);
        Files.write(dir.resolve(manifest.labels()), List.of("cat", "dog"));
    }
}
