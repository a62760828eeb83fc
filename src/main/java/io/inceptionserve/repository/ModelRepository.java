package io.inceptionserve.repository;

import io.inceptionserve.artifact.ArtifactFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A model repository on disk, laid out as Triton's: {@code <repository>/<model>/<version>/}, each
 * version folder a model directory ({@code manifest.json}, labels, weights). Version folders are
 * positive numbers; other entries of a model folder are ignored, as Triton does.
 *
 * <p>Nothing read through it leaves the repository: a model folder, a version folder or a file that
 * is a symbolic link pointing outside its parent, or a name with {@code ..} or a separator in it,
 * is refused with an error saying which and where.
 */
public final class ModelRepository {

    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

    private final Path root;
    private final Pattern modelName;

    private ModelRepository(Path root, Pattern modelName) {
        this.root = root;
        this.modelName = modelName;
    }

    /**
     * The repository at {@code directory}, whose model folders are named as {@code modelName}
     * allows (names appear in URLs and metric tags).
     *
     * @throws RepositoryException when it is not a readable directory
     */
    public static ModelRepository at(Path directory, String modelName) {
        if (!Files.isDirectory(directory)) {
            throw new RepositoryException("the model repository " + directory + " is not a directory");
        }
        try {
            return new ModelRepository(directory.toRealPath(), Pattern.compile(modelName));
        } catch (IOException e) {
            throw new RepositoryException("cannot read the model repository " + directory + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    /**
     * The models in the repository: its folders, in name order. An entry whose name is not a valid
     * model name is refused, not skipped, so a typo does not go unnoticed.
     */
    public List<String> models() {
        List<String> names = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            for (Path entry : entries.sorted().toList()) {
                String name = entry.getFileName().toString();
                if (name.startsWith(".") || !Files.isDirectory(entry)) {
                    continue;
                }
                if (!modelName.matcher(name).matches()) {
                    throw new RepositoryException("the model folder '" + name + "' in " + root
                            + " is not a valid model name (" + modelName.pattern() + ")");
                }
                names.add(name);
            }
        } catch (IOException e) {
            throw new RepositoryException("cannot list the model repository " + root + ": " + e.getMessage(), e);
        }
        return names;
    }

    /** Whether the repository has a folder for {@code model}. */
    public boolean contains(String model) {
        return modelName.matcher(model).matches() && Files.isDirectory(root.resolve(model));
    }

    /**
     * The version folders of {@code model}, by version number; empty when the model has none or no
     * folder.
     */
    public NavigableMap<Long, Path> versions(String model) {
        NavigableMap<Long, Path> versions = new TreeMap<>();
        if (!contains(model)) {
            return versions;
        }
        Path modelFolder = inside(root, root.resolve(model), "model folder '" + model + "'");
        try (Stream<Path> entries = Files.list(modelFolder)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (VERSION.matcher(name).matches() && Files.isDirectory(entry)) {
                    versions.put(
                            Long.parseLong(name),
                            inside(modelFolder, entry, "version folder '" + name + "' of model '" + model + "'"));
                }
            }
        } catch (IOException e) {
            throw new RepositoryException(
                    "cannot list the versions of model '" + model + "' in " + modelFolder + ": " + e.getMessage(), e);
        }
        return versions;
    }

    /**
     * The files of one version folder, opened by plain name only: a name that is not one, or a file
     * that is a link leading out of the folder, is refused.
     */
    public static ArtifactFiles files(Path versionFolder) {
        return fileName -> open(versionFolder, fileName);
    }

    private static InputStream open(Path folder, String fileName) throws IOException {
        if (fileName.isEmpty()
                || fileName.equals(".")
                || fileName.equals("..")
                || fileName.contains("/")
                || fileName.contains("\\")) {
            throw new IOException("'" + fileName + "' is not a plain file name inside " + folder);
        }
        Path file = folder.resolve(fileName);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(file.toString());
        }
        Path real = file.toRealPath();
        if (!real.getParent().equals(folder.toRealPath())) {
            throw new IOException(
                    fileName + " in " + folder + " is a link to " + real + ", outside the model directory");
        }
        return Files.newInputStream(real);
    }

    /** {@code entry}'s real path, which must lie directly in {@code parent} (itself a real path). */
    private static Path inside(Path parent, Path entry, String what) {
        try {
            Path real = entry.toRealPath();
            if (!real.getParent().equals(parent)) {
                throw new RepositoryException("the " + what + " is a link to " + real + ", outside " + parent
                        + "; the repository's folders " + "must be inside it");
            }
            return real;
        } catch (IOException e) {
            throw new RepositoryException("cannot read the " + what + ": " + e.getMessage(), e);
        }
    }
}
