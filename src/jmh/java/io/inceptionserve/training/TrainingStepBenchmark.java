package io.inceptionserve.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.Trainer;
import ai.djl.training.tracker.Tracker;
import io.inceptionserve.jmh.InferenceBenchmark;
import io.inceptionserve.model.Architecture;
import io.inceptionserve.model.OfflineEngine;
import java.util.Random;
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
 * One training step per operation, exactly as the {@code train} command runs it ({@link
 * TrainingStep}: forward with the auxiliary heads, label-smoothed loss with the heads weighted
 * 0.3, backward, Adam update), on a batch of random pixels and labels. The score is steps per
 * second; images per second is that times {@link #batch}.
 *
 * <p>Run by {@code bench.TrainingStepComparison}, which holds it against the same step in Debian's
 * torch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TrainingStepBenchmark {

    private static final int CLASSES = 10;

    @Param({"googlenet-bn"})
    public String network;

    @Param({"64"})
    public int size;

    @Param({"1"})
    public int channels;

    @Param({"128"})
    public int batch;

    private Model model;
    private Trainer trainer;
    private Shape shape;
    private float[] images;
    private long[] labels;

    @Setup(Level.Trial)
    public void setUp() {
        OfflineEngine.pytorch();
        shape = new Shape(batch, channels, size, size);
        model = Model.newInstance("training-step", Device.cpu(), "PyTorch");
        model.setBlock(Architecture.fromId(network).build(CLASSES, channels, true));
        trainer = model.newTrainer(
                Training.trainerConfig(new LabelSmoothingLoss(0.1f, 0.3f), Tracker.fixed(1e-3f), Device.cpu()));
        trainer.initialize(shape);
        Random random = new Random(42);
        images = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextGaussian();
        }
        labels = random.longs(batch, 0, CLASSES).toArray();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
        model.close();
    }

    @Benchmark
    public float step(InferenceBenchmark.CpuTime cpu) {
        float loss = TrainingStep.run(trainer, trainer.getLoss(), images, shape, labels)
                .loss();
        cpu.images += batch;
        return loss;
    }
}
