package io.inceptionserve.inference;

import ai.djl.Device;
import io.inceptionserve.artifact.ArtifactFiles;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelArtifactException;
import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.config.InceptionProperties.Batching;
import io.inceptionserve.config.InceptionProperties.DeviceMode;
import io.inceptionserve.config.InceptionProperties.Inference;
import io.inceptionserve.config.InceptionProperties.Reliability;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.model.CpuFeatures;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.model.Precision;
import io.inceptionserve.observability.InferenceMetrics;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.stereotype.Component;

/**
 * The configured models. They load and warm up on background threads (one per core) once the application
 * starts, so the HTTP server (and its health endpoints) answer at once while readiness waits
 * for the models. A model that fails to load is reported and the others still serve.
 */
@Component
public class ModelRegistry implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    private final InceptionProperties properties;
    private final ResourceLoader resourceLoader;
    private final InferenceMetrics metrics;
    private final Map<String, ServedModel> models = new LinkedHashMap<>();
    private final CompletableFuture<Void> settled = new CompletableFuture<>();
    private final CpuFeatures cpu = CpuFeatures.detect();
    private final int cores = Runtime.getRuntime().availableProcessors();
    /** One set of forward threads per device, shared by every model on it; made by the loader threads. */
    private final Map<Device, ForwardThreads> forwardThreads = new ConcurrentHashMap<>();

    private final List<Thread> loaders = new ArrayList<>();
    private boolean stopping;

    public ModelRegistry(InceptionProperties properties, ResourceLoader resourceLoader, InferenceMetrics metrics) {
        this.properties = properties;
        this.resourceLoader = resourceLoader;
        this.metrics = metrics;
        properties.models().forEach((name, location) -> {
            models.put(name, new ServedModel(name, location));
            metrics.modelReadiness(name, List.of(), false);
        });
        if (!models.containsKey(properties.defaultModel())) {
            throw new IllegalStateException("inception.default-model '" + properties.defaultModel()
                    + "' is not among inception.models " + models.keySet());
        }
    }

    public Optional<ServedModel> find(String name) {
        return Optional.ofNullable(models.get(name));
    }

    /** The model of that name, or a {@link ModelNotFoundException} listing the served ones. */
    public ServedModel require(String name) {
        return find(name).orElseThrow(() -> new ModelNotFoundException(name, models.keySet()));
    }

    public Collection<ServedModel> all() {
        return models.values();
    }

    public String defaultModel() {
        return properties.defaultModel();
    }

    /** True once every model is either ready or failed. */
    public boolean settled() {
        return models.values().stream()
                .noneMatch(
                        m -> m.status() == ServedModel.Status.LOADING || m.status() == ServedModel.Status.WARMING_UP);
    }

    /** Completes once every model has loaded or failed (never, if stopped before). */
    public CompletableFuture<Void> whenSettled() {
        return settled.copy();
    }

    @Override
    public void start() {
        log.info(
                "{}: precision auto picks {} on it",
                cpu,
                Precision.AUTO.resolve(Device.cpu(), cpu).precision().id());
        Inference inference = properties.inference();
        int intraOpThreads = inference.intraOpThreads(cores);
        OfflineEngine.useIntraOpThreads(intraOpThreads);
        log.info(
                "CPU forward passes: {} thread(s) shared by every model, {} libtorch thread(s) each, on {} cores",
                inference.forwardThreads(false, cores),
                intraOpThreads,
                cores);
        // Models load side by side, one per core: a load is mostly one thread's work (reading and
        // converting weights, building the network), so on two cores two models take the time of one.
        Queue<ServedModel> waiting = new ConcurrentLinkedQueue<>(models.values());
        int threads = Math.min(models.size(), cores);
        AtomicInteger running = new AtomicInteger(threads);
        synchronized (loaders) {
            for (int i = 0; i < threads; i++) {
                Thread thread = new Thread(
                        () -> {
                            try {
                                ServedModel model;
                                while (!Thread.currentThread().isInterrupted() && (model = waiting.poll()) != null) {
                                    loadWithRetries(model);
                                }
                            } finally {
                                if (running.decrementAndGet() == 0) {
                                    settled.complete(null);
                                }
                            }
                        },
                        "model-loader-" + i);
                thread.setDaemon(true);
                loaders.add(thread);
            }
            loaders.forEach(Thread::start);
        }
    }

    /**
     * Loads a model, retrying a failure that may be transient (an engine error under memory or
     * CPU pressure) with doubling back-off; a broken artifact fails at once.
     */
    private void loadWithRetries(ServedModel model) {
        Reliability reliability = properties.reliability();
        Duration backoff = reliability.warmupBackoff();
        for (int attempt = 1; ; attempt++) {
            try {
                load(model);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                model.failed("the service stopped while the model was loading");
                return;
            } catch (ModelArtifactException e) {
                fail(model, e);
                return;
            } catch (Exception e) {
                if (attempt >= reliability.warmupAttempts()) {
                    fail(model, e);
                    return;
                }
                log.warn(
                        "Model '{}' failed to load (attempt {} of {}), retrying in {}: {}",
                        model.name(),
                        attempt,
                        reliability.warmupAttempts(),
                        backoff,
                        e.getMessage(),
                        e);
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    model.failed("the service stopped while the model was loading");
                    return;
                }
                backoff = backoff.multipliedBy(2);
            }
        }
    }

    private static void fail(ServedModel model, Exception e) {
        log.error("Model '{}' cannot be served: {}", model.name(), e.getMessage(), e);
        model.failed(e.getMessage());
    }

    /**
     * One attempt. The workers it loads belong to this thread until the model is ready: a failure
     * or a stop closes them here, never from another thread while a warm-up pass may still be
     * running on them.
     */
    private void load(ServedModel model) throws Exception {
        long started = System.nanoTime();
        List<DeviceWorkers> loaded = new ArrayList<>();
        List<String> deviceNames = List.of();
        boolean handedOver = false;
        try {
            List<Device> devices = devices();
            deviceNames = devices.stream().map(Device::toString).toList();
            metrics.modelReadiness(model.name(), deviceNames, false);
            ModelArtifact artifact = ModelArtifact.open(model.name(), filesAt(model.location()));
            model.opened(artifact, properties.inference().maxImagePixels());
            int channels = artifact.manifest().input().channels();
            int size = artifact.manifest().input().size();
            for (Device device : devices) {
                Precision.Choice precision = precision(model.name(), artifact, device);
                loaded.add(DeviceWorkers.load(
                        artifact,
                        device,
                        precision.precision(),
                        batching(device).workers(),
                        forwardThreads(device)));
                log.info(
                        "Model '{}' computes in {} on {} ({})",
                        model.name(),
                        precision.precision().id(),
                        device,
                        precision.reason());
            }
            model.warmingUp(loaded);
            warmUpDecoders(model.preprocessor());
            for (DeviceWorkers workers : loaded) {
                workers.warmUp(
                        channels,
                        size,
                        batching(workers.device()).maxBatchSize(),
                        properties.inference().warmupIterations());
            }
            synchronized (this) {
                if (stopping) {
                    throw new InterruptedException("stopping");
                }
                InferenceQueue queue = new InferenceQueue(properties.inference().queueCapacity());
                for (DeviceWorkers workers : loaded) {
                    workers.start(model.name(), queue, batching(workers.device()), channels, size, metrics);
                }
                metrics.registerQueue(
                        model.name(), model::queueDepth, properties.inference().queueCapacity());
                model.ready(queue);
                handedOver = true;
            }
            metrics.modelLoaded(model.name(), Duration.ofNanos(System.nanoTime() - started));
            metrics.modelReadiness(model.name(), deviceNames, true);
            if (artifact.hasWeights()) {
                log.info(
                        "Model '{}' ({}) ready on {}",
                        model.name(),
                        artifact.architecture().id(),
                        model.devices());
            } else {
                log.warn("""
                        Model '{}' has NO TRAINED WEIGHTS: its manifest at {} names no weights file, so the \
                        network is randomly initialised and its predictions are noise. Responses carry \
                        "trained": false. Train it (see docs/training.md) or point inception.models.{} at a trained model.""", model.name(), model.location(), model.name());
            }
        } finally {
            if (!handedOver) {
                model.warmingUp(List.of());
                loaded.forEach(DeviceWorkers::close);
                metrics.modelReadiness(model.name(), deviceNames, false);
            }
        }
    }

    /** The precision {@code name} runs in on {@code device}, and which setting chose it. */
    private Precision.Choice precision(String name, ModelArtifact artifact, Device device) {
        Inference inference = properties.inference();
        Precision manifest = artifact.manifest().precisionSetting();
        Precision asked = inference.precisionOf(name, manifest);
        String source;
        if (inference.modelPrecision().containsKey(name)) {
            source = "inception.inference.model-precision." + name;
        } else if (inference.precision() != Precision.AUTO) {
            source = "inception.inference.precision";
        } else if (manifest != Precision.AUTO) {
            source = "the model's manifest";
        } else {
            return asked.resolve(device, cpu);
        }
        return new Precision.Choice(asked.resolve(device, cpu).precision(), "set by " + source);
    }

    /** Decodes a small image once, so the first request does not pay for loading the codecs. */
    private static void warmUpDecoders(ImagePreprocessor preprocessor) {
        try {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB), "png", png);
            preprocessor.prepare(png.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("writing an in-memory PNG", e);
        }
    }

    private ForwardThreads forwardThreads(Device device) {
        return forwardThreads.computeIfAbsent(
                device,
                d -> new ForwardThreads(
                        d,
                        properties.inference().forwardThreads(d.isGpu(), cores),
                        properties.inference().intraOpThreads(cores)));
    }

    private Batching batching(Device device) {
        return properties.inference().batching(device.isGpu());
    }

    private ArtifactFiles filesAt(String location) {
        Resource directory = resourceLoader.getResource(location.endsWith("/") ? location : location + "/");
        return fileName -> directory.createRelative(fileName).getInputStream();
    }

    private List<Device> devices() {
        DeviceMode mode = properties.inference().devices();
        List<Device> visible = OfflineEngine.visibleDevices();
        boolean hasGpu = visible.get(0).isGpu();
        if (mode == DeviceMode.CPU || (mode == DeviceMode.AUTO && !hasGpu)) {
            return List.of(Device.cpu());
        }
        if (!hasGpu) {
            throw new IllegalStateException("inception.inference.devices is GPU but no GPU is visible");
        }
        return visible;
    }

    /**
     * Stops the loaders, then frees the ready models. A model still loading is freed by its loader
     * itself when it sees the interruption, never here: closing its managers under a warm-up pass
     * in progress would fail that pass with "NDManager has been closed already".
     */
    @Override
    public void stop() {
        synchronized (this) {
            stopping = true;
        }
        List<Thread> threads;
        synchronized (loaders) {
            threads = List.copyOf(loaders);
        }
        threads.forEach(Thread::interrupt);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        models.values().stream()
                .filter(model -> model.status() == ServedModel.Status.READY)
                .forEach(model -> model.workers().forEach(DeviceWorkers::close));
        forwardThreads.values().forEach(ForwardThreads::close);
    }

    /** Starts before and stops after the web server, so requests in flight finish on live models. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }

    /**
     * A paused test application context keeps its models: {@link #stop} releases them for good,
     * and loading them again is what pausing would save.
     */
    @Override
    public boolean isPauseable() {
        return false;
    }

    @Override
    public boolean isRunning() {
        synchronized (loaders) {
            return !loaders.isEmpty();
        }
    }
}
