package io.inceptionserve.jmh;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.model.inferenceform.ChannelsLast;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * GoogLeNet's 3×3 max pools (batch 8 at 224) four ways: libtorch's built-in pool on NCHW input
 * (the scalar kernel that also computes indices), the same call on channels-last input (what the
 * inference form does), and a separable max of shifted strided slices (1×3 then 3×1, {@code
 * maximum} of views) on either layout. Each operation pools one array and frees every array it
 * made: a version that leaves the slices to the caller's manager measures the leak, not the
 * pooling.
 *
 * <pre>./mvnw -Pjmh test-compile exec:exec@pooling</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PoolingBenchmark {

    /** channels×side, stride: GoogLeNet's stem pool, its pool-branch pool, and a pool between stages. */
    @Param({"64x112/2", "192x28/1", "480x28/2"})
    public String pool;

    /** Built-in pool or separable slices, on NCHW or channels-last input. */
    @Param({"nchw", "channels-last", "separable-nchw", "separable-channels-last"})
    public String method;

    private NDManager manager;
    private NDArray input;
    private int stride;
    private int padding;
    private NDArray paddedInput;
    private int outputSide;

    @Setup(Level.Trial)
    public void prepare() {
        String[] parts = pool.split("[x/]");
        int channels = Integer.parseInt(parts[0]);
        int side = Integer.parseInt(parts[1]);
        stride = Integer.parseInt(parts[2]);
        padding = stride == 1 ? 1 : 0;
        manager = OfflineEngine.pytorch().newBaseManager();
        NDArray nchw = manager.randomNormal(new Shape(8, channels, side, side));
        input = method.endsWith("channels-last") ? ChannelsLast.of(nchw) : nchw;
        outputSide = (int) builtIn(nchw).getShape().get(2);
        // Ceil mode's last window may hang over the edge: pad with -∞ up to it.
        int after = Math.max(0, stride * (outputSide - 1) + 3 - side - padding);
        paddedInput = input.pad(new Shape(padding, after, padding, after), Float.NEGATIVE_INFINITY);
    }

    @TearDown(Level.Trial)
    public void release() {
        manager.close();
    }

    @Benchmark
    public void maxPool3x3() {
        NDArray output = method.startsWith("separable") ? separable() : builtIn(input);
        output.close();
    }

    private NDArray builtIn(NDArray array) {
        return Pool.maxPool2d(array, new Shape(3, 3), new Shape(stride, stride), new Shape(padding, padding), true);
    }

    private NDArray separable() {
        try (NDManager scratch = manager.newSubManager()) {
            // Lent to the scratch manager, so that the slices and partial maxima die with it.
            paddedInput.tempAttach(scratch);
            NDArray output = maxOfShifted(maxOfShifted(paddedInput, 2), 3);
            output.attach(manager);
            return output;
        }
    }

    /** Max over the three windows' strided slices along one axis. */
    private NDArray maxOfShifted(NDArray array, int axis) {
        NDArray max = null;
        for (int offset = 0; offset < 3; offset++) {
            String slice = offset + ":" + (offset + stride * (outputSide - 1) + 1) + ":" + stride;
            NDArray shifted = array.get(new NDIndex(axis == 2 ? ":, :, " + slice + ", :" : ":, :, :, " + slice));
            max = max == null ? shifted : max.maximum(shifted);
        }
        return max;
    }
}
