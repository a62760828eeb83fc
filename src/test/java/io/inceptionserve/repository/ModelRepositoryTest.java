package io.inceptionserve.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inceptionserve.config.InceptionProperties;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repository's layout as read from real folders, and the links and names that would leave it. */
class ModelRepositoryTest {

    @TempDir
    Path temp;

    private ModelRepository repository() throws IOException {
        return ModelRepository.at(Files.createDirectories(temp.resolve("repository")), InceptionProperties.MODEL_NAME);
    }

    @Test
    void modelsAndNumberedVersionsAreRead() throws IOException {
        ModelRepository repository = repository();
        Path root = repository.root();
        Files.createDirectories(root.resolve("fashion/1"));
        Files.createDirectories(root.resolve("fashion/10"));
        Files.createDirectories(root.resolve("fashion/2"));
        Files.createDirectories(root.resolve("fashion/0"));
        Files.createDirectories(root.resolve("fashion/latest"));
        Files.createDirectories(root.resolve("digits"));
        Files.createDirectories(root.resolve(".staging/1"));
        Files.writeString(root.resolve("README"), "not a model");

        assertThat(repository.models()).containsExactly("digits", "fashion");
        assertThat(repository.versions("fashion")).containsOnlyKeys(1L, 2L, 10L);
        assertThat(repository.versions("fashion").get(10L)).isEqualTo(root.resolve("fashion/10"));
        assertThat(repository.versions("digits")).isEmpty();
        assertThat(repository.versions("missing")).isEmpty();
        assertThat(repository.contains("../repository")).isFalse();
    }

    @Test
    void aFolderThatIsNotARepositoryIsRefused() {
        assertThatThrownBy(() -> ModelRepository.at(temp.resolve("nowhere"), InceptionProperties.MODEL_NAME))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("the model repository " + temp.resolve("nowhere") + " is not a directory");
    }

    @Test
    void aModelFolderWithAnInvalidNameIsAnErrorNotSkipped() throws IOException {
        ModelRepository repository = repository();
        Files.createDirectories(repository.root().resolve("Fashion Model"));

        assertThatThrownBy(repository::models)
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("the model folder 'Fashion Model'")
                .hasMessageContaining("is not a valid model name");
    }

    @Test
    void aModelFolderLinkedOutsideTheRepositoryIsRefused() throws IOException {
        ModelRepository repository = repository();
        Path elsewhere = Files.createDirectories(temp.resolve("elsewhere/1"));
        Files.createSymbolicLink(repository.root().resolve("fashion"), elsewhere.getParent());

        assertThatThrownBy(() -> repository.versions("fashion"))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("the model folder 'fashion' is a link to "
                        + elsewhere.getParent().toRealPath())
                .hasMessageContaining("outside " + repository.root());
    }

    @Test
    void aVersionFolderLinkedOutsideItsModelIsRefused() throws IOException {
        ModelRepository repository = repository();
        Path elsewhere = Files.createDirectories(temp.resolve("elsewhere"));
        Files.createDirectories(repository.root().resolve("fashion"));
        Files.createSymbolicLink(repository.root().resolve("fashion/3"), elsewhere);

        assertThatThrownBy(() -> repository.versions("fashion"))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining(
                        "the version folder '3' of model 'fashion' is a link to " + elsewhere.toRealPath());
    }

    @Test
    void aLinkInsideTheRepositoryIsFollowed() throws IOException {
        ModelRepository repository = repository();
        Path version = Files.createDirectories(repository.root().resolve("fashion/1"));
        Files.createSymbolicLink(repository.root().resolve("fashion/2"), version);

        assertThat(repository.versions("fashion")).containsOnlyKeys(1L, 2L);
    }

    @Test
    void filesAreOpenedByPlainNameOnlyAndNotThroughLinksLeavingTheVersion() throws IOException {
        Path version = Files.createDirectories(temp.resolve("repository/fashion/1"));
        Files.writeString(version.resolve("labels.txt"), "shirt\n");
        Path secret = Files.writeString(temp.resolve("secret.txt"), "password");
        Files.createSymbolicLink(version.resolve("weights.ndlist"), secret);
        var files = ModelRepository.files(version);

        try (InputStream labels = files.open("labels.txt")) {
            assertThat(labels.readAllBytes()).asString().isEqualTo("shirt\n");
        }
        for (String name : new String[] {"..", "../../secret.txt", "sub/labels.txt", "..\\secret.txt", ""}) {
            assertThatThrownBy(() -> files.open(name))
                    .as(name)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("is not a plain file name inside " + version);
        }
        assertThatThrownBy(() -> files.open("weights.ndlist"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("weights.ndlist in " + version + " is a link to " + secret.toRealPath())
                .hasMessageContaining("outside the model directory");
        assertThatThrownBy(() -> files.open("manifest.json")).isInstanceOf(java.nio.file.NoSuchFileException.class);
    }
}
