package io.inceptionserve.serving;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.TranslateException;
import io.inceptionserve.NativeMemory;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.model.Precision;
import io.inceptionserve.model.UnscopedCopy;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Native tensors live only as long as a request needs them, through the real predictor path
 * (the bundled 64 px googlenet-bn, one real image per request).
 *
 * <p>Live arrays are counted under the model's own {@link NDManager}, recursively, so that models
 * of other tests in the same JVM do not count: after each request, and continuously by a sampler
 * thread during requests, which gives the peak a request reaches.
 */
class TensorLifetimeTest {

    private static final int REQUESTS = 1_000;
    private static final int WARM_UP = 50;

    /**
     * Arrays a request may hold at once beyond what the model holds between requests: the input,
     * the output, and a few per nesting level of stages, modules, branches and layers (measured:
     * 12). An unscoped forward holds every activation of the network until the call ends
     * (measured: 144, checked below), so it fails this bound.
     */
    private static final int MAX_ARRAYS_PER_REQUEST = 40;

    /**
     * Growth of the resident memory outside the Java heap and the JVM's other pools over the last
     * 500 of the 1,000 requests, once the worker thread's allocator arena has reached its working
     * size (it grows by up to 150 MB over the first requests when other tests ran in this JVM):
     * noise stays well inside this (measured: under 10 MB); leaking one request's activations
     * (about 3 MB) per request would add 1.5 GB.
     */
    private static final long MAX_NATIVE_GROWTH_BYTES = 64L << 20;

    private static ModelArtifact artifact;
    private static ImageBatch image;

    @BeforeAll
    static void bundledModelAndRealImage() throws IOException {
        OfflineEngine.pytorch();
        artifact = ModelArtifact.open(
                "googlenet-bn",
                fileName -> TensorLifetimeTest.class.getResourceAsStream("/models/googlenet-bn/" + fileName));
        ImagePreprocessor preprocessor = new ImagePreprocessor(artifact.manifest());
        try (InputStream in = TensorLifetimeTest.class.getResourceAsStream("/images/pullover.jpg")) {
            image = ImageBatch.of(
                    List.of(preprocessor.prepare(in.readAllBytes())),
                    artifact.manifest().input().channels(),
                    artifact.manifest().input().size());
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Precision.class,
            names = {"FLOAT32", "BFLOAT16"})
    void liveArraysAndNativeMemoryStayFlatOverAThousandRequests(Precision precision) throws Exception {
        Set<NDArray> before = existingArrays();
        try (ForwardThreads forwardThreads = new ForwardThreads(Device.cpu(), 1, 1);
                DeviceWorkers workers = DeviceWorkers.load(artifact, Device.cpu(), precision, 1, forwardThreads)) {
            NDManager model = managerOfArraysCreatedSince(before);
            InferenceQueue queue = new InferenceQueue(1);
            workers.start(
                    "googlenet-bn",
                    queue,
                    TestSettings.batching(1, Duration.ZERO),
                    (int) image.shape()[1],
                    (int) image.shape()[2],
                    new RecordingMetrics());
            for (int i = 0; i < WARM_UP; i++) {
                request(queue);
            }
            int between = model.getManagedArrays().size();
            long nativeHalfway = 0;

            int peak;
            try (PeakSampler sampler = new PeakSampler(model)) {
                for (int i = 0; i < REQUESTS; i++) {
                    if (i == REQUESTS / 2) {
                        nativeHalfway = NativeMemory.residentOutsideJvmBytes();
                    }
                    request(queue);
                    assertThat(model.getManagedArrays())
                            .as("after request %d", i)
                            .hasSize(between);
                }
                peak = sampler.peak();
            }
            assertThat(NativeMemory.residentOutsideJvmBytes() - nativeHalfway).isLessThan(MAX_NATIVE_GROWTH_BYTES);
            assertThat(peak - between).isBetween(1, MAX_ARRAYS_PER_REQUEST);
        }
    }

    @Test
    void anUnscopedControlHoldsEveryActivationDuringARequest() throws Exception {
        Set<NDArray> before = existingArrays();
        try (Model model = Model.newInstance("unscoped", Device.cpu(), "PyTorch")) {
            model.setBlock(UnscopedCopy.of(artifact.newInferenceBlock(model.getNDManager())));
            NDManager manager = managerOfArraysCreatedSince(before);
            try (Predictor<ImageBatch, float[][]> predictor =
                    model.newPredictor(new ProbabilityTranslator(), Device.cpu())) {
                predict(predictor, WARM_UP);
                int between = manager.getManagedArrays().size();

                int peak;
                try (PeakSampler sampler = new PeakSampler(manager)) {
                    predict(predictor, REQUESTS / 5);
                    peak = sampler.peak();
                }

                // The predictor frees everything when the call ends, so only the peak shows it.
                assertThat(manager.getManagedArrays()).hasSize(between);
                assertThat(peak - between).isGreaterThan(MAX_ARRAYS_PER_REQUEST);
            }
        }
    }

    /** One request through the service's own path: the queue and a batching worker's predictor. */
    private static void request(InferenceQueue queue) throws Exception {
        long now = System.nanoTime();
        PendingImage pending = new PendingImage(image.pixels(), now, now + TimeUnit.MINUTES.toNanos(1));
        assertThat(queue.offer(List.of(pending))).isTrue();
        pending.result().get(1, TimeUnit.MINUTES);
    }

    private static void predict(Predictor<ImageBatch, float[][]> predictor, int requests) throws TranslateException {
        for (int i = 0; i < requests; i++) {
            predictor.predict(image);
        }
    }

    private static Set<NDArray> existingArrays() {
        Set<NDArray> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
        arrays.addAll(systemManager().getManagedArrays());
        return arrays;
    }

    /** The model's manager: the one directly under the engine that owns the newly loaded parameters. */
    private static NDManager managerOfArraysCreatedSince(Set<NDArray> before) {
        NDManager system = systemManager();
        List<NDManager> owners = system.getManagedArrays().stream()
                .filter(array -> !before.contains(array))
                .map(NDArray::getManager)
                .filter(manager -> manager.getParentManager() == system)
                .distinct()
                .toList();
        assertThat(owners).as("managers of the new model's parameters").hasSize(1);
        return owners.get(0);
    }

    /** The engine's root manager, parent of every model's and every base manager. */
    private static NDManager systemManager() {
        try (NDManager probe = NDManager.newBaseManager("PyTorch")) {
            return probe.getParentManager();
        }
    }

    /** Counts the arrays under a manager every 100 µs on its own thread and keeps the highest count. */
    private static final class PeakSampler implements AutoCloseable {

        private final AtomicInteger peak = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        PeakSampler(NDManager manager) {
            thread = new Thread(
                    () -> {
                        while (running.get()) {
                            peak.accumulateAndGet(manager.getManagedArrays().size(), Math::max);
                            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
                        }
                    },
                    "array-peak-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        int peak() throws InterruptedException {
            running.set(false);
            thread.join();
            return peak.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }
}
