package io.inceptionserve.inference;

import io.inceptionserve.artifact.ArtifactFiles;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.config.InceptionProperties.Inference;
import io.inceptionserve.config.InceptionProperties.ModelControl;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.model.Precision;
import io.inceptionserve.observability.InferenceMetrics;
import io.inceptionserve.repository.ModelRepository;
import io.inceptionserve.repository.RepositoryException;
import io.inceptionserve.repository.VersionPolicy;
import io.inceptionserve.serving.ServedModel;
import io.inceptionserve.serving.ServedModel.PrecisionSetting;
import io.inceptionserve.serving.ServingCore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.stereotype.Component;

/**
 * The served models and their versions: those of {@code inception.model-repository} when it is
 * set (the versions each model's policy selects), else those named by {@code inception.models},
 * each as version 1. The serving core loads and warms them up in the background once the
 * application starts, so the HTTP server (and its health endpoints) answer at once while readiness
 * waits for the models. A model that fails to load is reported and the others still serve.
 *
 * <p>With model control on, versions come and go while the service runs: a new version loads and
 * warms up beside the serving one and takes the traffic once ready; the versions the policy no
 * longer selects are then retired, answering every image already queued before they are freed. A
 * version that fails to load leaves the serving one in place.
 */
@Component
public class ModelRegistry implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    private final InceptionProperties properties;
    private final ServingCore core;
    private final ModelRepository repository;
    /** Per model, its versions by number: added when their load starts, removed once unloaded. */
    private final Map<String, NavigableMap<Long, ServedModel>> models = new ConcurrentHashMap<>();
    /** Model names in the order they were first served, for listings. */
    private final List<String> order = new CopyOnWriteArrayList<>();
    /** Estimated native memory of each version loaded or loading from the repository. */
    private final Map<ServedModel, Long> admitted = new ConcurrentHashMap<>();

    private final List<ServedModel> initial = new ArrayList<>();
    private final CompletableFuture<Void> settled = new CompletableFuture<>();
    /** Loads and unloads one at a time: each decides from what the previous one left. */
    private final Object changes = new Object();

    private ScheduledExecutorService poller;
    private volatile boolean running;

    public ModelRegistry(
            InceptionProperties properties, ResourceLoader resourceLoader, InferenceMetrics metrics, ServingCore core) {
        this.properties = properties;
        this.core = core;
        if (properties.modelRepository() != null
                && !properties.modelRepository().isBlank()) {
            this.repository = ModelRepository.at(Path.of(properties.modelRepository()), InceptionProperties.MODEL_NAME);
            for (String name : repository.models()) {
                for (var version : selected(name).entrySet()) {
                    initial.add(prepare(name, version.getKey(), version.getValue()));
                }
            }
            log.info("Serving the model repository {}: {}", repository.root(), describe(initial));
        } else {
            this.repository = null;
            properties
                    .models()
                    .forEach((name, location) -> initial.add(add(new ServedModel(
                            name,
                            1,
                            location,
                            filesAt(resourceLoader, location),
                            precisionSetting(properties.inference(), name)))));
        }
        initial.forEach(model -> metrics.modelReadiness(model.name(), List.of(), false));
        if (!models.containsKey(properties.defaultModel())) {
            throw new IllegalStateException("inception.default-model '" + properties.defaultModel()
                    + "' is not among the served models " + order);
        }
    }

    /**
     * The version of {@code name} that requests naming no version go to: the newest ready one,
     * else the newest (to report why it does not serve).
     */
    public Optional<ServedModel> find(String name) {
        NavigableMap<Long, ServedModel> versions = models.get(name);
        if (versions == null) {
            return Optional.empty();
        }
        Collection<ServedModel> newestFirst = versions.descendingMap().values();
        return newestFirst.stream()
                .filter(m -> m.status() == ServedModel.Status.READY)
                .findFirst()
                .or(() -> newestFirst.stream().findFirst());
    }

    /** The model of that name, or a {@link ModelNotFoundException} listing the served ones. */
    public ServedModel require(String name) {
        return find(name).orElseThrow(() -> new ModelNotFoundException(name, names()));
    }

    /** That version of the model, or a {@link ModelNotFoundException} listing its versions. */
    public ServedModel require(String name, long version) {
        NavigableMap<Long, ServedModel> versions = models.getOrDefault(name, new ConcurrentSkipListMap<>());
        ServedModel model = versions.get(version);
        if (model == null) {
            if (versions.isEmpty()) {
                throw new ModelNotFoundException(name, names());
            }
            throw new ModelNotFoundException(name, version, versions.keySet());
        }
        return model;
    }

    /** Every version of {@code name} being served, loaded or retired, oldest first. */
    public List<ServedModel> versions(String name) {
        NavigableMap<Long, ServedModel> versions = models.get(name);
        return versions == null ? List.of() : List.copyOf(versions.values());
    }

    /** Per model, the version requests naming no version go to. */
    public Collection<ServedModel> all() {
        return order.stream().map(this::find).flatMap(Optional::stream).toList();
    }

    /** The names of the models with at least one version. */
    public List<String> names() {
        return order.stream().filter(name -> !versions(name).isEmpty()).toList();
    }

    public String defaultModel() {
        return properties.defaultModel();
    }

    /**
     * Chooses the version a request goes to and {@linkplain ServedModel#hold() holds} it; the caller
     * {@linkplain ServedModel#release() releases} it once its images are queued. A version retired
     * between the choice and the hold is passed over for the one that replaced it.
     *
     * @param version the version asked for, or {@code null} for the newest ready one
     * @throws ModelNotFoundException for an unknown model or version
     * @throws ModelUnavailableException when the chosen version is not ready
     */
    public ServedModel hold(String name, Long version) {
        while (true) {
            ServedModel model = version == null ? require(name) : require(name, version);
            if (model.hold()) {
                return model;
            }
            String which = version == null ? "model '" + name + "'" : "version " + version + " of model '" + name + "'";
            switch (model.status()) {
                case FAILED ->
                    throw new ModelUnavailableException(which + " failed to load: " + model.failure(), false);
                case LOADING, WARMING_UP ->
                    throw new ModelUnavailableException(
                            which + " is still "
                                    + model.status()
                                            .name()
                                            .toLowerCase(Locale.ROOT)
                                            .replace('_', ' '),
                            true);
                case UNLOADING, UNLOADED -> {
                    if (version != null || find(name).orElse(model) == model) {
                        throw new ModelUnavailableException(which + " is being unloaded", false);
                    }
                }
                case READY -> {
                    // Became ready between the hold and the look at its status: choose again.
                }
            }
        }
    }

    /** True once every version is either ready, failed or unloaded. */
    public boolean settled() {
        return models.values().stream()
                .flatMap(versions -> versions.values().stream())
                .allMatch(ServedModel::settled);
    }

    /** Completes once every model has loaded or failed (never, if stopped before). */
    public CompletableFuture<Void> whenSettled() {
        return settled.copy();
    }

    /** How models may change while the service runs. */
    public ModelControl control() {
        return properties.modelControl();
    }

    /**
     * The repository's models and their versions as Triton's repository index lists them: every
     * version loaded, loading, failed or being retired, and a line without a version for each model
     * of the repository that has none loaded.
     */
    public List<IndexEntry> index() {
        List<IndexEntry> entries = new ArrayList<>();
        List<String> names = new ArrayList<>(order);
        if (repository != null) {
            repository.models().stream().filter(name -> !names.contains(name)).forEach(names::add);
        }
        for (String name : names) {
            List<ServedModel> versions = versions(name);
            if (versions.isEmpty()) {
                entries.add(new IndexEntry(name, null, null, "unloaded"));
            }
            versions.forEach(
                    model -> entries.add(new IndexEntry(name, model.version(), model.status(), model.failure())));
        }
        return entries;
    }

    /**
     * One line of the repository index.
     *
     * @param version {@code null} for a model with no version loaded
     * @param status {@code null} for a model with no version loaded
     * @param reason why it is not ready, or {@code null}
     */
    public record IndexEntry(String name, Long version, ServedModel.Status status, String reason) {}

    /**
     * Loads the versions of {@code name} that its policy selects from the repository and are not
     * already served, waits for them to be ready or to fail, and then retires the versions the
     * policy no longer selects, provided one it selects serves. An explicit load also retries a
     * version that failed before.
     *
     * @return the versions that failed, with their reasons; empty when all serve
     * @throws ModelControlException when there is no repository, it has no such model, or the
     *     model no version to serve
     */
    public Map<Long, String> load(String name) {
        try {
            return load(name, true);
        } catch (RepositoryException e) {
            throw new ModelControlException(e.getMessage(), e);
        }
    }

    private Map<Long, String> load(String name, boolean retryFailed) {
        if (repository == null) {
            throw new RepositoryException(
                    "models can only be loaded from a model repository; " + "inception.model-repository is not set");
        }
        synchronized (changes) {
            if (!repository.contains(name)) {
                throw new RepositoryException(
                        "the model repository " + repository.root() + " has no model '" + name + "'");
            }
            NavigableMap<Long, Path> wanted = selected(name);
            if (wanted.isEmpty()) {
                throw new RepositoryException("model '" + name + "' has no version folder that its version policy "
                        + policy(name) + " selects in " + repository.root().resolve(name));
            }
            List<ServedModel> loading = new ArrayList<>();
            for (var version : wanted.entrySet()) {
                ServedModel present =
                        models.getOrDefault(name, new ConcurrentSkipListMap<>()).get(version.getKey());
                boolean retry = present != null && retryFailed && present.status() == ServedModel.Status.FAILED;
                if (present == null || retry) {
                    loading.add(prepare(name, version.getKey(), version.getValue()));
                }
            }
            core.load(
                            loading.stream()
                                    .filter(m -> m.status() != ServedModel.Status.FAILED)
                                    .toList(),
                            this::warmUpDecoders)
                    .join();
            Map<Long, String> failures = new TreeMap<>();
            for (ServedModel model : loading) {
                if (model.status() == ServedModel.Status.FAILED) {
                    failures.put(model.version(), model.failure());
                    admitted.remove(model);
                    log.warn(
                            "Model '{}' version {} failed to load; the versions serving before stay: {}",
                            name,
                            model.version(),
                            model.failure());
                }
            }
            boolean wantedServes = wanted.keySet().stream()
                    .map(v -> models.get(name).get(v))
                    .anyMatch(m -> m != null && m.status() == ServedModel.Status.READY);
            if (wantedServes) {
                for (ServedModel model : versions(name)) {
                    if (!wanted.containsKey(model.version())) {
                        retire(model);
                    }
                }
            }
            return failures;
        }
    }

    /**
     * Retires every version of {@code name}: each takes no new requests and is freed once its
     * queued images are answered.
     *
     * @return completes once they are all freed
     */
    public CompletableFuture<Void> unload(String name) {
        synchronized (changes) {
            List<ServedModel> versions = versions(name);
            if (versions.isEmpty()) {
                throw new ModelNotFoundException(name, names());
            }
            return CompletableFuture.allOf(versions.stream().map(this::retire).toArray(CompletableFuture[]::new));
        }
    }

    /** Reads the repository again: loads what its policies now select, unloads models whose folder is gone. */
    private void poll() {
        try {
            for (String name : repository.models()) {
                load(name, false);
            }
            for (String name : names()) {
                if (!repository.contains(name)) {
                    unload(name);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Reading the model repository {} failed: {}", repository.root(), e.getMessage(), e);
        }
    }

    /** Retires a ready version; forgets a failed one; leaves one still loading to finish. */
    private CompletableFuture<Void> retire(ServedModel model) {
        return switch (model.status()) {
            case READY -> core.unload(model).whenComplete((done, failure) -> forget(model));
            case FAILED -> {
                forget(model);
                yield CompletableFuture.completedFuture(null);
            }
            case LOADING, WARMING_UP, UNLOADING, UNLOADED -> CompletableFuture.completedFuture(null);
        };
    }

    private void forget(ServedModel model) {
        admitted.remove(model);
        NavigableMap<Long, ServedModel> versions = models.get(model.name());
        if (versions != null) {
            versions.remove(model.version(), model);
        }
    }

    /** The policy's versions of {@code name} in the repository. */
    private NavigableMap<Long, Path> selected(String name) {
        NavigableMap<Long, Path> available = repository.versions(name);
        NavigableSet<Long> chosen = policy(name).select(available.navigableKeySet());
        NavigableMap<Long, Path> wanted = new TreeMap<>();
        chosen.forEach(v -> wanted.put(v, available.get(v)));
        return wanted;
    }

    private VersionPolicy policy(String name) {
        String setting = properties.versionPolicy().get(name);
        return setting == null ? VersionPolicy.DEFAULT : VersionPolicy.parse(setting);
    }

    /**
     * A version of a repository model about to load, added to the served versions; refused at once
     * (as failed) when its manifest is invalid or it would pass the memory budget.
     */
    private ServedModel prepare(String name, long version, Path folder) {
        ArtifactFiles files = ModelRepository.files(folder);
        ServedModel model = new ServedModel(
                name, version, folder.toString(), files, precisionSetting(properties.inference(), name));
        try {
            long estimate = estimatedMemory(name, folder, files);
            long budget = properties.modelMemoryBudget().toBytes();
            long taken = admitted.values().stream().mapToLong(Long::longValue).sum();
            if (budget > 0 && taken + estimate > budget) {
                model.refused(String.format(
                        Locale.ROOT,
                        "loading it would take an estimated %d MiB of native memory (its weights file times %d), "
                                + "and the models loaded take %d MiB of the %d MiB that inception.model-memory-budget allows",
                        estimate >> 20,
                        InceptionProperties.WEIGHTS_MEMORY_FACTOR,
                        taken >> 20,
                        budget >> 20));
            } else {
                admitted.put(model, estimate);
            }
        } catch (RuntimeException e) {
            model.refused(e.getMessage());
        }
        if (model.status() == ServedModel.Status.FAILED) {
            log.error("Model '{}' version {} is not loaded: {}", name, version, model.failure());
        }
        models.computeIfAbsent(name, n -> new ConcurrentSkipListMap<>()).put(version, model);
        return addName(model);
    }

    private ServedModel add(ServedModel model) {
        models.computeIfAbsent(model.name(), n -> new ConcurrentSkipListMap<>()).put(model.version(), model);
        return addName(model);
    }

    private ServedModel addName(ServedModel model) {
        if (!order.contains(model.name())) {
            order.add(model.name());
        }
        return model;
    }

    /** The weights file's size times {@link InceptionProperties#WEIGHTS_MEMORY_FACTOR}; checks the manifest on the way. */
    private static long estimatedMemory(String name, Path folder, ArtifactFiles files) {
        ModelManifest manifest = ModelArtifact.open(name, files).manifest();
        if (manifest.weights() == null) {
            return 0;
        }
        try {
            return Files.size(folder.resolve(manifest.weights().file())) * InceptionProperties.WEIGHTS_MEMORY_FACTOR;
        } catch (IOException e) {
            throw new RepositoryException(
                    "cannot read the weights file " + manifest.weights().file() + " of model '" + name + "' in "
                            + folder + ": " + e.getMessage(),
                    e);
        }
    }

    private static String describe(Collection<ServedModel> models) {
        return String.join(
                ", ",
                models.stream().map(m -> m.name() + " version " + m.version()).toList());
    }

    /** A precision set for {@code name} by the service's settings rather than its manifest, or {@code null}. */
    private static PrecisionSetting precisionSetting(Inference inference, String name) {
        if (inference.modelPrecision().containsKey(name)) {
            return new PrecisionSetting(
                    inference.modelPrecision().get(name), "inception.inference.model-precision." + name);
        }
        if (inference.precision() != Precision.AUTO) {
            return new PrecisionSetting(inference.precision(), "inception.inference.precision");
        }
        return null;
    }

    private static ArtifactFiles filesAt(ResourceLoader resourceLoader, String location) {
        Resource directory = resourceLoader.getResource(location.endsWith("/") ? location : location + "/");
        return fileName -> directory.createRelative(fileName).getInputStream();
    }

    @Override
    public void start() {
        running = true;
        core.load(
                        initial.stream()
                                .filter(m -> m.status() != ServedModel.Status.FAILED)
                                .toList(),
                        this::warmUpDecoders)
                .thenRun(() -> settled.complete(null));
        if (repository != null && properties.modelControl() == ModelControl.POLL) {
            poller = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "model-repository-poll");
                thread.setDaemon(true);
                return thread;
            });
            long every = properties.modelRepositoryPoll().toMillis();
            // The first poll once the initial load has settled, so the two never overlap.
            settled.thenRun(() -> poller.scheduleWithFixedDelay(this::poll, every, every, TimeUnit.MILLISECONDS));
        }
    }

    /** Decodes a small image once, so the first request does not pay for loading the codecs. */
    private void warmUpDecoders(ServedModel model) {
        try {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB), "png", png);
            new ImagePreprocessor(
                            model.artifact().manifest(), properties.inference().maxImagePixels())
                    .prepare(png.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("writing an in-memory PNG", e);
        }
    }

    /** Stops the loading and frees the models, after the web server has stopped (see {@link #getPhase}). */
    @Override
    public void stop() {
        if (poller != null) {
            poller.shutdownNow();
        }
        core.close();
        running = false;
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
        return running;
    }
}
