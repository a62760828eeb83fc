package io.inceptionserve.image;

/**
 * Resizes 8-bit RGB pixels exactly as Pillow's {@code Image.resize} does (its
 * {@code libImaging/Resample.c}), so that a model trained through torchvision's PIL pipeline sees
 * the same pixels here: a separable convolution, horizontal pass first, each output sample a
 * weighted sum over the input samples within the filter's support around its centre. When
 * shrinking, the support is widened by the reduction factor (the filter is stretched), which is
 * what makes the result antialiased. Weights are normalised to sum to 1, turned into 22-bit fixed
 * point rounded half away from zero, and each sum is rounded (by adding half before the shift) and
 * clipped to 0..255 after each pass, as Pillow's 8-bit path does.
 */
public final class PilResampler {

    /** Pillow's filters for resizing. */
    public enum Filter {
        /** Triangle filter, support 1: Pillow's {@code BILINEAR}, torchvision's default. */
        BILINEAR(1.0) {
            @Override
            double weight(double x) {
                double a = Math.abs(x);
                return a < 1.0 ? 1.0 - a : 0.0;
            }
        },
        /** Keys' cubic convolution with a = -0.5, support 2: Pillow's {@code BICUBIC}. */
        BICUBIC(2.0) {
            @Override
            double weight(double x) {
                double a = -0.5;
                double t = Math.abs(x);
                if (t < 1.0) {
                    return ((a + 2.0) * t - (a + 3.0)) * t * t + 1;
                }
                if (t < 2.0) {
                    return (((t - 5) * t + 8) * t - 4) * a;
                }
                return 0.0;
            }
        };

        private final double support;

        Filter(double support) {
            this.support = support;
        }

        abstract double weight(double x);
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResampler() {}

    /**
     * @param rgb packed {@code 0xRRGGBB} pixels, row-major
     * @return the resized pixels, packed the same way
     */
    public static int[] resize(int[] rgb, int width, int height, int outWidth, int outHeight, Filter filter) {
        return resize(rgb, width, height, outWidth, outHeight, filter, 0, 0, outWidth, outHeight);
    }

    /**
     * Only a window of the resized image, {@code windowWidth × windowHeight} from ({@code left},
     * {@code top}): the same pixels as resizing whole and cropping, as each output pixel depends
     * only on its own weights, without computing those the crop would drop.
     *
     * @return the window's pixels, packed {@code 0xRRGGBB}, row-major
     */
    public static int[] resize(
            int[] rgb,
            int width,
            int height,
            int outWidth,
            int outHeight,
            Filter filter,
            int left,
            int top,
            int windowWidth,
            int windowHeight) {
        if (left < 0 || top < 0 || left + windowWidth > outWidth || top + windowHeight > outHeight) {
            throw new IllegalArgumentException("the window lies outside the resized image");
        }
        // As Pillow: an axis whose size does not change is not resampled, only cropped.
        Coefficients horizontal = outWidth == width
                ? Coefficients.identity(left, windowWidth)
                : Coefficients.of(width, outWidth, filter, left, windowWidth);
        Coefficients vertical = outHeight == height
                ? Coefficients.identity(top, windowHeight)
                : Coefficients.of(height, outHeight, filter, top, windowHeight);
        // Only the rows the vertical pass reads are resized horizontally.
        int firstRow = vertical.bounds[0];
        int rows = vertical.bounds[2 * windowHeight - 2] + vertical.bounds[2 * windowHeight - 1] - firstRow;
        int[] resizedRows = new int[windowWidth * rows];
        for (int y = 0; y < rows; y++) {
            int rowStart = (y + firstRow) * width;
            for (int x = 0; x < windowWidth; x++) {
                resizedRows[y * windowWidth + x] = horizontal.sample(x, rgb, rowStart, 1);
            }
        }
        int[] out = new int[windowWidth * windowHeight];
        for (int y = 0; y < windowHeight; y++) {
            for (int x = 0; x < windowWidth; x++) {
                out[y * windowWidth + x] = vertical.sample(y, resizedRows, x - firstRow * windowWidth, windowWidth);
            }
        }
        return out;
    }

    private static int clip8(int sum) {
        int v = sum >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /**
     * Per output sample: the first input sample and how many follow ({@code bounds}), and their
     * fixed-point weights, {@code size} slots per output sample.
     */
    private record Coefficients(int size, int[] bounds, int[] weights) {

        /**
         * Output sample {@code out}: the weighted sum of the input pixels {@code in[origin + i *
         * stride]} for i over its bounds, rounded and clipped per channel.
         */
        int sample(int out, int[] in, int origin, int stride) {
            int min = bounds[2 * out];
            int count = bounds[2 * out + 1];
            int k = out * size;
            int half = 1 << (PRECISION_BITS - 1);
            int r = half;
            int g = half;
            int b = half;
            for (int i = 0; i < count; i++) {
                int p = in[origin + (min + i) * stride];
                int w = weights[k + i];
                r += ((p >> 16) & 0xff) * w;
                g += ((p >> 8) & 0xff) * w;
                b += (p & 0xff) * w;
            }
            return (clip8(r) << 16) | (clip8(g) << 8) | clip8(b);
        }

        /** Output samples {@code first} to {@code first + count} of a resize from {@code inSize} to {@code outSize}. */
        static Coefficients of(int inSize, int outSize, Filter filter, int first, int count) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support * filterScale;
            int size = (int) Math.ceil(support) * 2 + 1;
            int[] bounds = new int[2 * count];
            int[] weights = new int[count * size];
            double[] k = new double[size];
            for (int j = 0; j < count; j++) {
                double center = (first + j + 0.5) * scale;
                double ss = 1.0 / filterScale;
                // C's (int) truncates toward zero, as Java's does.
                int min = Math.max((int) (center - support + 0.5), 0);
                int max = Math.min((int) (center + support + 0.5), inSize) - min;
                double total = 0.0;
                for (int x = 0; x < max; x++) {
                    double w = filter.weight((x + min - center + 0.5) * ss);
                    k[x] = w;
                    total += w;
                }
                for (int x = 0; x < max; x++) {
                    double w = total != 0.0 ? k[x] / total : k[x];
                    weights[j * size + x] =
                            w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS)) : (int) (0.5 + w * (1 << PRECISION_BITS));
                }
                bounds[2 * j] = min;
                bounds[2 * j + 1] = max;
            }
            return new Coefficients(size, bounds, weights);
        }

        /** Samples {@code first} to {@code first + count} taken as they are: a crop without resampling. */
        static Coefficients identity(int first, int count) {
            int[] bounds = new int[2 * count];
            int[] weights = new int[count];
            for (int j = 0; j < count; j++) {
                bounds[2 * j] = first + j;
                bounds[2 * j + 1] = 1;
                weights[j] = 1 << PRECISION_BITS;
            }
            return new Coefficients(1, bounds, weights);
        }
    }
}
