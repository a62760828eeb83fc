package io.inceptionserve.jmh;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * One forward pass (through a DJL predictor: input copy, forward, logits copy) per operation. The
 * score is forward passes per second; images per second is that times {@link #batch}. Each
 * benchmark thread is one predictor, as each of the service's workers is.
 *
 * <p>Run by {@link BenchmarkReport}, which passes the parameters and the TorchScript directory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class InferenceBenchmark {

    /** System property naming the directory of the traced TorchScript references. */
    static final String TORCHSCRIPT_DIRECTORY = "bench.torchscript";

    /** An architecture id, or torchscript-googlenet / torchscript-inception_v3. */
    @Param({"googlenet-bn"})
    public String network;

    /** Images per forward pass. */
    @Param({"8"})
    public int batch;

    /** For our networks: inference (served), trained or unscoped. */
    @Param({"INFERENCE"})
    public Form form;

    private Subject subject;

    @Setup(Level.Trial)
    public void load() throws IOException, MalformedModelException {
        subject = Subject.open(network, form, batch, Path.of(System.getProperty(TORCHSCRIPT_DIRECTORY)));
    }

    @TearDown(Level.Trial)
    public void unload() {
        subject.close();
    }

    /** One benchmark thread's predictor. */
    @State(Scope.Thread)
    public static class Worker {

        Predictor<float[], float[]> predictor;
        float[] pixels;

        @Setup(Level.Trial)
        public void open(InferenceBenchmark benchmark) {
            predictor = benchmark.subject.newPredictor();
            pixels = benchmark.subject.pixels();
        }

        @TearDown(Level.Trial)
        public void close() {
            predictor.close();
        }
    }

    /**
     * CPU time of the whole process per image, next to the wall-clock score: on machines shared with
     * other work it is the steadier figure. Each thread reports its share of the process's CPU time.
     * The first thread also reports the fork's peak resident memory so far.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class CpuTime {

        private static final com.sun.management.OperatingSystemMXBean OS =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

        /** Process CPU nanoseconds in the iteration, divided among the benchmark threads. */
        public long cpuNanos;

        /** Images classified in the iteration by this thread. */
        public long images;

        /** Peak resident set of the fork in MiB (first thread only, so that the sum is the value). */
        public long peakRssMebibytes;

        private long start;
        private int threads;
        private boolean first;

        @Setup(Level.Iteration)
        public void start(BenchmarkParams params, ThreadParams thread) {
            threads = params.getThreads();
            first = thread.getThreadIndex() == 0;
            cpuNanos = 0;
            images = 0;
            start = OS.getProcessCpuTime();
        }

        @TearDown(Level.Iteration)
        public void stop() throws IOException {
            cpuNanos = (OS.getProcessCpuTime() - start) / threads;
            peakRssMebibytes = first ? peakResidentMebibytes() : 0;
        }

        private static long peakResidentMebibytes() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
            return 0;
        }
    }

    @Benchmark
    public float[] forward(Worker worker, CpuTime cpu) throws TranslateException {
        float[] logits = worker.predictor.predict(worker.pixels);
        cpu.images += batch;
        return logits;
    }
}
