import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the Fashion-MNIST sample the tests read (src/test/resources/fashion-mnist): the first
 * 512 training and 500 test images and labels of the full data set, as gzipped IDX files like the
 * originals, so that the tests need no system package. Needs only a JDK:
 *
 * <pre>
 * java src/test/scripts/FashionMnistSample.java /usr/share/datasets/fashion-mnist src/test/resources/fashion-mnist
 * </pre>
 *
 * The output is byte for byte reproducible (Java's gzip header carries no time stamp).
 * FashionMnistSampleTest checks it against the full files when they are installed.
 */
class FashionMnistSample {

    static final int TRAIN = 512;
    static final int TEST = 500;

    public static void main(String[] args) throws IOException {
        Path from = Path.of(args[0]);
        Path to = Files.createDirectories(Path.of(args[1]));
        for (String file : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"}) {
            copyHead(from.resolve(file), to.resolve(file), TRAIN);
        }
        for (String file : new String[] {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            copyHead(from.resolve(file), to.resolve(file), TEST);
        }
    }

    /** IDX: magic (its last byte the number of dimensions), the dimensions, then the items. */
    private static void copyHead(Path source, Path target, int items) throws IOException {
        try (var in = new DataInputStream(new GZIPInputStream(Files.newInputStream(source)));
                var out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(target)))) {
            int magic = in.readInt();
            out.writeInt(magic);
            int count = in.readInt();
            if (count < items) {
                throw new IOException(source + " holds only " + count + " items");
            }
            out.writeInt(items);
            int itemBytes = 1;
            for (int d = 1; d < (magic & 0xff); d++) {
                int size = in.readInt();
                out.writeInt(size);
                itemBytes *= size;
            }
            out.write(in.readNBytes(items * itemBytes));
        }
    }
}
