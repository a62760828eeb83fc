package io.inceptionserve.training;

import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.artifact.ModelManifest.ResizePolicy;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.image.InvalidImageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * An image-folder data set: one sub-folder per class, named after the class. Either the root holds
 * {@code train/} and {@code test/}, each with the same class folders, or it holds the class
 * folders directly and each class is split into training and test images by a ratio.
 *
 * <p>Images are resized ImageNet-style (shorter side to 8/7 of the input, center crop) and
 * normalised with the per-channel mean and standard deviation of the training images, measured
 * here and recorded in the manifest; or, when fine-tuning, prepared exactly as the starting model
 * prepares its input. Files that do not decode as images are skipped and counted.
 */
final class ImageFolders {

    private static final Set<String> IMAGE_SUFFIXES = Arrays.stream(ImageIO.getReaderFileSuffixes())
            .map(suffix -> suffix.toLowerCase(Locale.ROOT))
            .collect(Collectors.toUnmodifiableSet());

    private ImageFolders() {}

    /** One image file and its class index. */
    private record Sample(Path file, int label) {}

    /**
     * Reads and prepares the images under {@code root}.
     *
     * @param split fraction of each class used for training when the root has no train/test folders,
     *     within (0, 1)
     * @param seed orders the split and the images kept by the limits
     * @param preprocessing how to prepare the images, or {@code null} to measure the normalisation
     *     on the training images
     */
    static PreparedData load(
            Path root,
            double split,
            int size,
            int channels,
            long seed,
            Integer limitTrain,
            Integer limitTest,
            ModelManifest.Preprocessing preprocessing) {
        if (!Files.isDirectory(root)) {
            throw new TrainingInputException("image folder " + root + " does not exist");
        }
        Path trainDir = root.resolve("train");
        Path testDir = root.resolve("test");
        boolean presplit = Files.isDirectory(trainDir) && Files.isDirectory(testDir);
        List<String> classes = classFolders(presplit ? trainDir : root);
        List<Sample> train = new ArrayList<>();
        List<Sample> test = new ArrayList<>();
        if (presplit) {
            if (!classFolders(testDir).equals(classes)) {
                throw new TrainingInputException(testDir + " must hold the same class folders as " + trainDir + " ("
                        + String.join(", ", classes) + ")");
            }
            train.addAll(samples(trainDir, classes));
            test.addAll(samples(testDir, classes));
        } else {
            splitEachClass(root, classes, split, new Random(seed), train, test);
        }
        List<Sample> keptTrain = shuffledAndLimited(train, limitTrain, new Random(seed + 1));
        List<Sample> keptTest = shuffledAndLimited(test, limitTest, new Random(seed + 2));
        if (keptTrain.isEmpty() || keptTest.isEmpty()) {
            throw new TrainingInputException(root + " yields " + keptTrain.size() + " training and " + keptTest.size()
                    + " test images; both must be non-empty");
        }

        String where = "image folder " + root + (presplit ? " (train/ and test/)" : " (split " + split + ")");
        if (preprocessing != null) {
            ImagePreprocessor preprocessor = PreparedData.preprocessor(size, channels, preprocessing);
            Prepared trainImages = prepare(keptTrain, preprocessor);
            Prepared testImages = prepare(keptTest, preprocessor);
            return new PreparedData(
                    classes,
                    trainImages.images(),
                    testImages.images(),
                    preprocessing,
                    where + ", " + trainImages.images().size() + " training / "
                            + testImages.images().size() + " test images"
                            + skipped(trainImages.unreadable() + testImages.unreadable()));
        }
        // Prepare on the 0..1 scale first, then normalise with the training images' own statistics.
        float[] zero = new float[channels];
        float[] one = new float[channels];
        Arrays.fill(one, 1f);
        int resizeTo = Math.round(size * 256f / 224f);
        ImagePreprocessor unnormalised = PreparedData.preprocessor(
                size, channels, new ModelManifest.Preprocessing(ResizePolicy.SHORTER_SIDE, resizeTo, zero, one));
        Prepared trainImages = prepare(keptTrain, unnormalised);
        Prepared testImages = prepare(keptTest, unnormalised);
        ChannelStatistics statistics = ChannelStatistics.of(trainImages.images().images(), channels);
        statistics.normalise(trainImages.images().images());
        statistics.normalise(testImages.images().images());
        return new PreparedData(
                classes,
                trainImages.images(),
                testImages.images(),
                new ModelManifest.Preprocessing(
                        ResizePolicy.SHORTER_SIDE, resizeTo, statistics.mean(), statistics.std()),
                where + ", " + trainImages.images().size() + " training / "
                        + testImages.images().size()
                        + " test images; mean/std measured on the training images"
                        + skipped(trainImages.unreadable() + testImages.unreadable()));
    }

    private static String skipped(int unreadable) {
        return unreadable == 0 ? "" : "; " + unreadable + " unreadable file(s) skipped";
    }

    private static List<String> classFolders(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            List<String> classes = entries.filter(Files::isDirectory)
                    .map(path -> path.getFileName().toString())
                    .filter(name -> !name.startsWith("."))
                    .sorted()
                    .toList();
            if (classes.size() < 2) {
                throw new TrainingInputException(
                        dir + " must hold one sub-folder per class, at least 2; found " + classes.size());
            }
            return classes;
        } catch (IOException e) {
            throw new TrainingInputException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static List<Sample> samples(Path dir, List<String> classes) {
        List<Sample> samples = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            for (Path file : imageFiles(dir.resolve(classes.get(label)))) {
                samples.add(new Sample(file, label));
            }
        }
        return samples;
    }

    private static void splitEachClass(
            Path root, List<String> classes, double split, Random random, List<Sample> train, List<Sample> test) {
        for (int label = 0; label < classes.size(); label++) {
            List<Path> files = new ArrayList<>(imageFiles(root.resolve(classes.get(label))));
            Collections.shuffle(files, random);
            int trainCount = (int) Math.round(files.size() * split);
            for (int i = 0; i < files.size(); i++) {
                (i < trainCount ? train : test).add(new Sample(files.get(i), label));
            }
        }
    }

    /** The class folder's image files (by suffix) in name order, so a seed gives the same split everywhere. */
    private static List<Path> imageFiles(Path classDir) {
        try (Stream<Path> entries = Files.list(classDir)) {
            List<Path> files = entries.filter(Files::isRegularFile)
                    .filter(ImageFolders::isImage)
                    .sorted()
                    .toList();
            if (files.isEmpty()) {
                throw new TrainingInputException("class folder " + classDir + " holds no images (files named *."
                        + String.join(", *.", IMAGE_SUFFIXES.stream().sorted().toList())
                        + "); add some or remove the folder");
            }
            return files;
        } catch (IOException e) {
            throw new TrainingInputException("cannot list " + classDir + ": " + e.getMessage(), e);
        }
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && IMAGE_SUFFIXES.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static List<Sample> shuffledAndLimited(List<Sample> samples, Integer limit, Random random) {
        List<Sample> shuffled = new ArrayList<>(samples);
        Collections.shuffle(shuffled, random);
        return limit == null || limit >= shuffled.size() ? shuffled : shuffled.subList(0, limit);
    }

    /** Prepared images, and how many files were skipped because they did not decode. */
    private record Prepared(LabelledImages images, int unreadable) {}

    private static Prepared prepare(List<Sample> samples, ImagePreprocessor preprocessor) {
        int[] labels = samples.stream().mapToInt(Sample::label).toArray();
        LabelledImages all = LabelledImages.prepare(labels, i -> {
            Path file = samples.get(i).file();
            try {
                return preprocessor.prepare(Files.readAllBytes(file));
            } catch (InvalidImageException e) {
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read image " + file, e);
            }
        });
        List<Integer> readable = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (all.images()[i] != null) {
                readable.add(i);
            }
        }
        if (readable.isEmpty()) {
            throw new TrainingInputException("none of the " + samples.size() + " images of a split decodes, e.g. "
                    + samples.get(0).file());
        }
        return new Prepared(all.select(readable), all.size() - readable.size());
    }

    /** Per-channel mean and standard deviation over every pixel of a set of images. */
    private record ChannelStatistics(float[] mean, float[] std) {

        static ChannelStatistics of(float[][] images, int channels) {
            double[] sum = new double[channels];
            double[] sumOfSquares = new double[channels];
            int plane = images[0].length / channels;
            for (float[] image : images) {
                for (int c = 0; c < channels; c++) {
                    for (int i = c * plane; i < (c + 1) * plane; i++) {
                        sum[c] += image[i];
                        sumOfSquares[c] += (double) image[i] * image[i];
                    }
                }
            }
            float[] mean = new float[channels];
            float[] std = new float[channels];
            double count = (double) plane * images.length;
            for (int c = 0; c < channels; c++) {
                double m = sum[c] / count;
                mean[c] = (float) m;
                // A constant channel would divide by zero; 1 leaves it merely centred.
                double variance = sumOfSquares[c] / count - m * m;
                std[c] = variance > 1e-12 ? (float) Math.sqrt(variance) : 1f;
            }
            return new ChannelStatistics(mean, std);
        }

        /** Applies the same (x − mean) / std the service's preprocessor applies. */
        void normalise(float[][] images) {
            int channels = mean.length;
            for (float[] image : images) {
                int plane = image.length / channels;
                for (int i = 0; i < image.length; i++) {
                    int c = i / plane;
                    image[i] = (image[i] - mean[c]) / std[c];
                }
            }
        }
    }
}
