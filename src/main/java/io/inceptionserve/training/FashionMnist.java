package io.inceptionserve.training;

import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.artifact.ModelManifest.ResizePolicy;
import io.inceptionserve.image.ImagePreprocessor;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST as Debian's {@code dataset-fashion-mnist} package installs it: the four gzipped
 * IDX files of the original release (60,000 training and 10,000 test images, 28×28 grey).
 */
final class FashionMnist {

    static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The data set's class names, in label order. */
    static final List<String> CLASSES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Pixel statistics of the training images (on the 0..1 scale). */
    static final float MEAN = 0.2860f;

    static final float STD = 0.3530f;

    private static final int IMAGES_MAGIC = 2051;
    private static final int LABELS_MAGIC = 2049;

    private FashionMnist() {}

    /**
     * Reads the data set and prepares its images stretched to {@code size}², grey replicated when
     * {@code channels} is 3.
     *
     * @throws TrainingInputException if the files are missing (naming the Debian package) or malformed
     */
    static PreparedData load(Path dir, int size, int channels, Integer limitTrain, Integer limitTest) {
        float[] mean = new float[channels];
        float[] std = new float[channels];
        Arrays.fill(mean, MEAN);
        Arrays.fill(std, STD);
        var preprocessing = new ModelManifest.Preprocessing(ResizePolicy.STRETCH, size, mean, std);
        ImagePreprocessor preprocessor = PreparedData.preprocessor(size, channels, preprocessing);
        LabelledImages train = read(dir, "train", limitTrain, preprocessor);
        LabelledImages test = read(dir, "t10k", limitTest, preprocessor);
        return new PreparedData(
                CLASSES,
                train,
                test,
                preprocessing,
                "Fashion-MNIST (" + dir + "), " + train.size() + " training / " + test.size() + " test images");
    }

    private static LabelledImages read(Path dir, String prefix, Integer limit, ImagePreprocessor preprocessor) {
        Idx idx = readIdx(dir, prefix, limit);
        return LabelledImages.prepare(idx.labels(), i -> preprocessor.prepare(idx.image(i)));
    }

    /** Images and labels of one IDX file pair, as stored: 8-bit grey rows of {@code rows × cols}. */
    record Idx(byte[][] pixels, int[] labels, int rows, int cols) {

        /** An 8-bit grey image, which the preprocessor reads sample by sample (no gamma change). */
        BufferedImage image(int index) {
            BufferedImage image = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, cols, rows, pixels[index]);
            return image;
        }
    }

    /**
     * @param prefix {@code train} or {@code t10k}
     * @param limit items to read from the start, or null for all
     */
    static Idx readIdx(Path dir, String prefix, Integer limit) {
        Path imagesFile = existing(dir, prefix + "-images-idx3-ubyte.gz");
        Path labelsFile = existing(dir, prefix + "-labels-idx1-ubyte.gz");
        try (DataInputStream images = open(imagesFile, IMAGES_MAGIC);
                DataInputStream labels = open(labelsFile, LABELS_MAGIC)) {
            int count = images.readInt();
            if (labels.readInt() != count) {
                throw new TrainingInputException(
                        imagesFile + " and " + labelsFile + " hold different numbers of items");
            }
            int rows = images.readInt();
            int cols = images.readInt();
            int n = limit == null ? count : Math.min(limit, count);
            byte[][] pixels = new byte[n][rows * cols];
            int[] classes = new int[n];
            for (int i = 0; i < n; i++) {
                images.readFully(pixels[i]);
                classes[i] = labels.readUnsignedByte();
            }
            return new Idx(pixels, classes, rows, cols);
        } catch (IOException e) {
            throw new TrainingInputException("cannot read Fashion-MNIST from " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Path existing(Path dir, String fileName) {
        Path file = dir.resolve(fileName);
        if (!Files.isRegularFile(file)) {
            throw new TrainingInputException("Fashion-MNIST is not installed: " + file + " is missing. Install it with "
                    + "`apt-get install dataset-fashion-mnist` or point --fashion-mnist-dir at the IDX files");
        }
        return file;
    }

    private static DataInputStream open(Path file, int magic) throws IOException {
        var in = new DataInputStream(new BufferedInputStream(new GZIPInputStream(Files.newInputStream(file))));
        int actual = in.readInt();
        if (actual != magic) {
            in.close();
            throw new TrainingInputException(file + " is not an IDX file of the expected kind (magic " + actual + ")");
        }
        return in;
    }
}
