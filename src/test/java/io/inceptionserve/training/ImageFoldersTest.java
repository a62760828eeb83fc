package io.inceptionserve.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.image.ImagePreprocessor;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFoldersTest {

    private static final List<String> CLASSES = List.of("bird", "cat", "dog");

    @TempDir
    Path root;

    /** Writes {@code perClass} PNGs of 40×30 px into {@code dir}/class for each class, each class its own hue. */
    private static void writeImages(Path dir, int perClass) throws IOException {
        for (int label = 0; label < CLASSES.size(); label++) {
            Path classDir = Files.createDirectories(dir.resolve(CLASSES.get(label)));
            for (int i = 0; i < perClass; i++) {
                BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = image.createGraphics();
                g.setColor(new Color(80 * label, 20 * i, 255 - 60 * label));
                g.fillRect(0, 0, 40, 30);
                g.setColor(Color.WHITE);
                g.fillOval(5 + i, 5, 10, 10);
                g.dispose();
                ImageIO.write(
                        image,
                        "png",
                        classDir.resolve(String.format("%03d.png", i)).toFile());
            }
        }
        Files.writeString(dir.resolve(CLASSES.get(0)).resolve("notes.txt"), "not an image");
    }

    private static int count(int[] labels, int label) {
        return (int) Arrays.stream(labels).filter(l -> l == label).count();
    }

    @Test
    void splitsEachClassByTheRatioAndNamesClassesAfterTheirFolders() throws IOException {
        writeImages(root, 10);

        PreparedData data = ImageFolders.load(root, 0.8, 32, 3, 1, null, null, null);

        assertThat(data.classes()).isEqualTo(CLASSES);
        assertThat(data.train().size()).isEqualTo(24);
        assertThat(data.test().size()).isEqualTo(6);
        for (int label = 0; label < CLASSES.size(); label++) {
            assertThat(count(data.train().labels(), label)).isEqualTo(8);
            assertThat(count(data.test().labels(), label)).isEqualTo(2);
        }
        assertThat(data.train().images()[0]).hasSize(3 * 32 * 32);
    }

    @Test
    void readsPresplitTrainAndTestFolders() throws IOException {
        writeImages(root.resolve("train"), 5);
        writeImages(root.resolve("test"), 2);

        PreparedData data = ImageFolders.load(root, 0.8, 32, 1, 1, 12, null, null);

        assertThat(data.classes()).isEqualTo(CLASSES);
        assertThat(data.train().size()).isEqualTo(12);
        assertThat(data.test().size()).isEqualTo(6);
        assertThat(data.train().images()[0]).hasSize(32 * 32);
    }

    @Test
    void normalisesWithTheTrainingImagesStatisticsExactlyAsTheServiceWill() throws IOException {
        writeImages(root.resolve("train"), 1);
        writeImages(root.resolve("test"), 1);

        PreparedData data = ImageFolders.load(root, 0.8, 32, 3, 1, null, null, null);

        assertThat(data.preprocessing().resize()).isEqualTo(ModelManifest.ResizePolicy.SHORTER_SIDE);
        float[][] images = data.train().images();
        int plane = 32 * 32;
        for (int c = 0; c < 3; c++) {
            double sum = 0;
            double sumOfSquares = 0;
            for (float[] image : images) {
                for (int i = c * plane; i < (c + 1) * plane; i++) {
                    sum += image[i];
                    sumOfSquares += image[i] * image[i];
                }
            }
            double n = (double) plane * images.length;
            assertThat(sum / n).as("mean of channel %d", c).isCloseTo(0, within(1e-4));
            assertThat(sumOfSquares / n).as("variance of channel %d", c).isCloseTo(1, within(1e-3));
        }
        // The service's preprocessor, configured by what goes into the manifest, gives the same tensors.
        ImagePreprocessor service = PreparedData.preprocessor(32, 3, data.preprocessing());
        for (int i = 0; i < images.length; i++) {
            Path file = root.resolve("train")
                    .resolve(CLASSES.get(data.train().labels()[i]))
                    .resolve("000.png");
            assertThat(images[i]).containsExactly(service.prepare(Files.readAllBytes(file)), within(1e-4f));
        }
    }
}
