package io.inceptionserve.serving;

import ai.djl.Device;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelArtifactException;
import io.inceptionserve.model.CpuFeatures;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.model.Precision;
import io.inceptionserve.serving.ServedModel.PrecisionSetting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads models onto their devices and warms them up, side by side on background threads (one per
 * core: a load is mostly one thread's work, reading and converting weights and building the
 * network). A failure that may be transient is retried with doubling back-off; a broken artifact
 * fails at once. A model that fails is marked so and the others still load.
 */
final class ModelLoader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModelLoader.class);
    private static final String STOPPED = "the service stopped while the model was loading";
    /** How often a retiring version's queue is checked for its last image. */
    private static final long DRAIN_CHECK_MILLIS = 5;

    private final ServingSettings settings;
    private final ServingMetrics metrics;
    private final CpuFeatures cpu = CpuFeatures.detect();
    private final int cores = Runtime.getRuntime().availableProcessors();
    /** One set of forward threads per device, shared by every model on it. */
    private final Map<Device, ForwardThreads> forwardThreads = new ConcurrentHashMap<>();

    private final List<Thread> loaders = new ArrayList<>();
    private final List<ServedModel> models = new ArrayList<>();
    private boolean stopping;
    private boolean announced;

    ModelLoader(ServingSettings settings, ServingMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    /**
     * Starts loading {@code toLoad}; the future completes once each is ready or failed (never, if
     * stopped before). {@code beforeReady} runs on the loading thread once a model is warmed up.
     */
    CompletableFuture<Void> loadAll(Collection<ServedModel> toLoad, Consumer<ServedModel> beforeReady) {
        OfflineEngine.useIntraOpThreads(settings.intraOpThreads());
        announceOnce();
        CompletableFuture<Void> settled = new CompletableFuture<>();
        Queue<ServedModel> waiting = new ConcurrentLinkedQueue<>(toLoad);
        int threads = Math.max(1, Math.min(toLoad.size(), cores));
        AtomicInteger running = new AtomicInteger(threads);
        synchronized (loaders) {
            loaders.removeIf(thread -> !thread.isAlive());
            models.addAll(toLoad);
            for (int i = 0; i < threads; i++) {
                Thread thread = new Thread(
                        () -> {
                            try {
                                ServedModel model;
                                while (!Thread.currentThread().isInterrupted() && (model = waiting.poll()) != null) {
                                    loadWithRetries(model, beforeReady);
                                }
                            } finally {
                                if (running.decrementAndGet() == 0) {
                                    settled.complete(null);
                                }
                            }
                        },
                        "model-loader-" + loaders.size());
                thread.setDaemon(true);
                loaders.add(thread);
                thread.start();
            }
        }
        return settled;
    }

    private synchronized void announceOnce() {
        if (announced) {
            return;
        }
        announced = true;
        log.info(
                "{}: precision auto picks {} on it",
                cpu,
                Precision.AUTO.resolve(Device.cpu(), cpu).precision().id());
        log.info(
                "CPU forward passes: {} thread(s) shared by every model, {} libtorch thread(s) each, on {} cores",
                settings.cpu().forwardThreads(),
                settings.intraOpThreads(),
                cores);
    }

    /**
     * Retires a ready version: it takes no new requests, answers every image already queued or
     * being queued, then is freed. Its workers are stopped only once its queue is empty, and a
     * forward pass in progress finishes first (see {@link DeviceWorkers#close}).
     */
    void unload(ServedModel model) throws InterruptedException {
        model.retire();
        InferenceQueue queue = model.queue();
        if (queue != null) {
            while (queue.depth() > 0 || queue.onTheWay() > 0) {
                Thread.sleep(DRAIN_CHECK_MILLIS);
            }
        }
        List<DeviceWorkers> workers = model.workers();
        workers.forEach(DeviceWorkers::close);
        model.unloaded();
        synchronized (loaders) {
            models.remove(model);
        }
        metrics.modelReadiness(
                model.name(),
                model.version(),
                workers.stream().map(w -> w.device().toString()).toList(),
                false);
        metrics.modelUnloaded(model.name(), model.version());
        log.info("Model '{}' version {} unloaded after answering its last queued image", model.name(), model.version());
    }

    private void loadWithRetries(ServedModel model, Consumer<ServedModel> beforeReady) {
        Duration backoff = settings.loadBackoff();
        for (int attempt = 1; ; attempt++) {
            try {
                load(model, beforeReady);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                model.failed(STOPPED);
                return;
            } catch (ModelArtifactException e) {
                fail(model, e);
                return;
            } catch (Exception e) {
                if (attempt >= settings.loadAttempts()) {
                    fail(model, e);
                    return;
                }
                log.warn(
                        "Model '{}' failed to load (attempt {} of {}), retrying in {}: {}",
                        model.name(),
                        attempt,
                        settings.loadAttempts(),
                        backoff,
                        e.getMessage(),
                        e);
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    model.failed(STOPPED);
                    return;
                }
                backoff = backoff.multipliedBy(2);
            }
        }
    }

    private static void fail(ServedModel model, Exception e) {
        log.error("Model '{}' version {} cannot be served: {}", model.name(), model.version(), e.getMessage(), e);
        model.failed(e.getMessage());
    }

    /**
     * One attempt. The workers it loads belong to this thread until the model is ready: a failure
     * or a stop closes them here, never from another thread while a warm-up pass may still be
     * running on them.
     */
    private void load(ServedModel model, Consumer<ServedModel> beforeReady) throws Exception {
        long started = System.nanoTime();
        List<DeviceWorkers> loaded = new ArrayList<>();
        List<String> deviceNames = List.of();
        boolean handedOver = false;
        try {
            List<Device> devices = devices();
            deviceNames = devices.stream().map(Device::toString).toList();
            metrics.modelReadiness(model.name(), model.version(), deviceNames, false);
            ModelArtifact artifact = ModelArtifact.open(model.name(), model.files());
            model.opened(artifact);
            for (Device device : devices) {
                Precision.Choice precision = precision(model, artifact, device);
                loaded.add(DeviceWorkers.load(
                        artifact,
                        device,
                        precision.precision(),
                        settings.on(device).workers(),
                        forwardThreads(device)));
                log.info(
                        "Model '{}' computes in {} on {} ({})",
                        model.name(),
                        precision.precision().id(),
                        device,
                        precision.reason());
            }
            model.warmingUp(loaded);
            int channels = artifact.manifest().input().channels();
            int size = artifact.manifest().input().size();
            for (DeviceWorkers workers : loaded) {
                workers.warmUp(
                        channels, size, settings.on(workers.device()).maxBatchSize(), settings.warmupIterations());
            }
            beforeReady.accept(model);
            synchronized (this) {
                if (stopping) {
                    throw new InterruptedException("stopping");
                }
                InferenceQueue queue = new InferenceQueue(settings.queueCapacity());
                for (DeviceWorkers workers : loaded) {
                    workers.start(model.name(), queue, settings.on(workers.device()), channels, size, metrics);
                }
                model.ready(queue);
                handedOver = true;
            }
            metrics.modelLoaded(
                    model.name(),
                    model.version(),
                    Duration.ofNanos(System.nanoTime() - started),
                    model::queueDepth,
                    settings.queueCapacity());
            metrics.modelReadiness(model.name(), model.version(), deviceNames, true);
            logReady(model, artifact);
        } finally {
            if (!handedOver) {
                model.warmingUp(List.of());
                loaded.forEach(DeviceWorkers::close);
                metrics.modelReadiness(model.name(), model.version(), deviceNames, false);
            }
        }
    }

    private static void logReady(ServedModel model, ModelArtifact artifact) {
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
                    "trained": false. Train it (see docs/training.md) or serve a trained model under this name.""", model.name(), model.location());
        }
    }

    /** The precision {@code model} runs in on {@code device}, and which setting chose it. */
    private Precision.Choice precision(ServedModel model, ModelArtifact artifact, Device device) {
        PrecisionSetting setting = model.precisionSetting();
        if (setting != null && setting.precision() != Precision.AUTO) {
            return new Precision.Choice(
                    setting.precision().resolve(device, cpu).precision(), "set by " + setting.source());
        }
        Precision manifest = artifact.manifest().precisionSetting();
        if (manifest != Precision.AUTO) {
            return new Precision.Choice(manifest.resolve(device, cpu).precision(), "set by the model's manifest");
        }
        return Precision.AUTO.resolve(device, cpu);
    }

    private ForwardThreads forwardThreads(Device device) {
        return forwardThreads.computeIfAbsent(
                device, d -> new ForwardThreads(d, settings.on(d).forwardThreads(), settings.intraOpThreads()));
    }

    private List<Device> devices() {
        List<Device> visible = OfflineEngine.visibleDevices();
        boolean hasGpu = visible.get(0).isGpu();
        ServingSettings.Devices mode = settings.devices();
        if (mode == ServingSettings.Devices.CPU || (mode == ServingSettings.Devices.AUTO && !hasGpu)) {
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
    public void close() {
        synchronized (this) {
            stopping = true;
        }
        List<Thread> threads;
        List<ServedModel> loadedModels;
        synchronized (loaders) {
            threads = List.copyOf(loaders);
            loadedModels = List.copyOf(models);
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
        loadedModels.stream()
                .filter(model -> model.status() == ServedModel.Status.READY)
                .forEach(model -> model.workers().forEach(DeviceWorkers::close));
        forwardThreads.values().forEach(ForwardThreads::close);
    }
}
