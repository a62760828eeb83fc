package io.inceptionserve.serving;

import io.inceptionserve.artifact.ArtifactFiles;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.artifact.ModelManifest;
import io.inceptionserve.repository.ModelRepository;
import io.inceptionserve.repository.RepositoryException;
import io.inceptionserve.repository.VersionPolicy;
import io.inceptionserve.serving.ServedModel.PrecisionSetting;
import java.io.IOException;
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
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The served models and their versions, and how they change while the service runs: those of a
 * model repository (the versions each model's policy selects), or a fixed set, each as version 1.
 * A new version loads and warms up beside the serving one and takes the traffic once ready; the
 * versions the policy no longer selects are then retired, answering every image already queued
 * before they are freed. A version that fails to load leaves the serving one in place.
 */
public final class ServedModels {

    private static final Logger log = LoggerFactory.getLogger(ServedModels.class);

    /**
     * How repository versions are chosen and admitted.
     *
     * @param policies each model's version policy
     * @param precision a precision set for a model outside its manifest, or {@code null}
     * @param memoryBudget native memory the loaded versions' weights may take, in bytes; 0 for no limit
     * @param weightsMemoryFactor native memory a version takes per byte of its weights file
     */
    public record Settings(
            Function<String, VersionPolicy> policies,
            Function<String, PrecisionSetting> precision,
            long memoryBudget,
            int weightsMemoryFactor) {}

    private final ServingCore core;
    private final ModelRepository repository;
    private final Settings settings;
    private final Consumer<ServedModel> beforeReady;
    /** Per model, its versions by number: added when their load starts, removed once unloaded. */
    private final Map<String, NavigableMap<Long, ServedModel>> models = new ConcurrentHashMap<>();
    /** Model names in the order they were first served, for listings. */
    private final List<String> order = new CopyOnWriteArrayList<>();
    /** Estimated native memory of each version loaded or loading from the repository. */
    private final Map<ServedModel, Long> admitted = new ConcurrentHashMap<>();

    private final List<ServedModel> initial = new ArrayList<>();
    /** Loads and unloads one at a time: each decides from what the previous one left. */
    private final Object changes = new Object();

    private ServedModels(
            ServingCore core, ModelRepository repository, Settings settings, Consumer<ServedModel> beforeReady) {
        this.core = core;
        this.repository = repository;
        this.settings = settings;
        this.beforeReady = beforeReady;
    }

    /**
     * The versions of {@code repository} that each model's policy selects.
     *
     * @param beforeReady runs on the loading thread once a version is warmed up
     */
    public static ServedModels ofRepository(
            ServingCore core, ModelRepository repository, Settings settings, Consumer<ServedModel> beforeReady) {
        ServedModels served = new ServedModels(core, repository, settings, beforeReady);
        for (String name : repository.models()) {
            for (var version : served.selected(name).entrySet()) {
                served.initial.add(served.prepare(name, version.getKey(), version.getValue()));
            }
        }
        log.info("Serving the model repository {}: {}", repository.root(), describe(served.initial));
        return served;
    }

    /** A fixed set of models, each as version 1; nothing can be loaded or unloaded. */
    public static ServedModels of(ServingCore core, List<ServedModel> models, Consumer<ServedModel> beforeReady) {
        ServedModels served = new ServedModels(core, null, null, beforeReady);
        models.forEach(model -> served.initial.add(served.add(model)));
        return served;
    }

    /** Starts loading the versions served from the start; completes once each is ready or failed. */
    public CompletableFuture<Void> loadInitial() {
        return core.load(
                initial.stream()
                        .filter(m -> m.status() != ServedModel.Status.FAILED)
                        .toList(),
                beforeReady);
    }

    /** Whether versions come from a model repository (and so can be loaded and unloaded). */
    public boolean fromRepository() {
        return repository != null;
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
                            beforeReady)
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
    public void poll() {
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
        return settings.policies().apply(name);
    }

    /**
     * A version of a repository model about to load, added to the served versions; refused at once
     * (as failed) when its manifest is invalid or it would pass the memory budget.
     */
    private ServedModel prepare(String name, long version, Path folder) {
        ArtifactFiles files = ModelRepository.files(folder);
        ServedModel model = new ServedModel(
                name, version, folder.toString(), files, settings.precision().apply(name));
        try {
            long estimate = estimatedMemory(name, folder, files) * settings.weightsMemoryFactor();
            long budget = settings.memoryBudget();
            long taken = admitted.values().stream().mapToLong(Long::longValue).sum();
            if (budget > 0 && taken + estimate > budget) {
                model.refused(String.format(
                        Locale.ROOT,
                        "loading it would take an estimated %d MiB of native memory (its weights file times %d), "
                                + "and the models loaded take %d MiB of the %d MiB that inception.model-memory-budget allows",
                        estimate >> 20,
                        settings.weightsMemoryFactor(),
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

    /** The weights file's size; checks the manifest on the way. */
    private static long estimatedMemory(String name, Path folder, ArtifactFiles files) {
        ModelManifest manifest = ModelArtifact.open(name, files).manifest();
        if (manifest.weights() == null) {
            return 0;
        }
        try {
            return Files.size(folder.resolve(manifest.weights().file()));
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
}
