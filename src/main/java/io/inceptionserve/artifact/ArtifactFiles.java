package io.inceptionserve.artifact;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens the files of one model directory by plain file name, wherever the directory lives (a
 * folder on disk, a volume in a container, resources inside the application jar).
 */
@FunctionalInterface
public interface ArtifactFiles {

    /**
     * Opens a file of the model directory.
     *
     * @throws java.io.FileNotFoundException when the directory has no such file
     */
    InputStream open(String fileName) throws IOException;

    /** The files of a model directory on disk. */
    static ArtifactFiles of(Path directory) {
        return fileName -> Files.newInputStream(directory.resolve(fileName));
    }
}
