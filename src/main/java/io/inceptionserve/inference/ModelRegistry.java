package io.inceptionserve.inference;

import io.inceptionserve.artifact.ArtifactFiles;
import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.config.InceptionProperties.Inference;
import io.inceptionserve.config.InceptionProperties.ModelControl;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.model.Precision;
import io.inceptionserve.observability.InferenceMetrics;
import io.inceptionserve.repository.ModelRepository;
import io.inceptionserve.repository.VersionPolicy;
import io.inceptionserve.serving.ServedModel;
import io.inceptionserve.serving.ServedModel.PrecisionSetting;
import io.inceptionserve.serving.ServedModels;
import io.inceptionserve.serving.ServingCore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.stereotype.Component;

/**
 * The served models as {@code inception.*} names them: the versions of {@code
 * inception.model-repository} when it is set, else the models of {@code inception.models}, each as
 * version 1. They load and warm up in the background once the application starts, so the HTTP
 * server (and its health endpoints) answer at once while readiness waits for the models; with
 * {@code inception.model-control=poll} the repository is read again every {@code
 * model-repository-poll}. What is served and how versions change is {@link ServedModels}'.
 */
@Component
public class ModelRegistry implements SmartLifecycle {

    private final InceptionProperties properties;
    private final ServingCore core;
    private final ServedModels models;
    private final CompletableFuture<Void> settled = new CompletableFuture<>();
    private ScheduledExecutorService poller;
    private volatile boolean running;

    public ModelRegistry(
            InceptionProperties properties, ResourceLoader resourceLoader, InferenceMetrics metrics, ServingCore core) {
        this.properties = properties;
        this.core = core;
        Inference inference = properties.inference();
        if (properties.modelRepository() != null
                && !properties.modelRepository().isBlank()) {
            this.models = ServedModels.ofRepository(
                    core,
                    ModelRepository.at(Path.of(properties.modelRepository()), InceptionProperties.MODEL_NAME),
                    new ServedModels.Settings(
                            name -> {
                                String policy = properties.versionPolicy().get(name);
                                return policy == null ? VersionPolicy.DEFAULT : VersionPolicy.parse(policy);
                            },
                            name -> precisionSetting(inference, name),
                            properties.modelMemoryBudget().toBytes(),
                            InceptionProperties.WEIGHTS_MEMORY_FACTOR),
                    this::warmUpDecoders);
        } else {
            this.models = ServedModels.of(
                    core,
                    properties.models().entrySet().stream()
                            .map(model -> new ServedModel(
                                    model.getKey(),
                                    1,
                                    model.getValue(),
                                    filesAt(resourceLoader, model.getValue()),
                                    precisionSetting(inference, model.getKey())))
                            .toList(),
                    this::warmUpDecoders);
        }
        models.names().forEach(name -> metrics.modelReadiness(name, List.of(), false));
        if (models.find(properties.defaultModel()).isEmpty()) {
            throw new IllegalStateException("inception.default-model '" + properties.defaultModel()
                    + "' is not among the served models " + models.names());
        }
    }

    /** The served models and their versions. */
    public ServedModels models() {
        return models;
    }

    public String defaultModel() {
        return properties.defaultModel();
    }

    /** How models may change while the service runs. */
    public ModelControl control() {
        return properties.modelControl();
    }

    /** Completes once every model has loaded or failed (never, if stopped before). */
    public CompletableFuture<Void> whenSettled() {
        return settled.copy();
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

    /**
     * The files of a model directory. On the file system they are opened as a repository's are: by
     * plain name, and a link leading out of the directory is refused.
     */
    private static ArtifactFiles filesAt(ResourceLoader resourceLoader, String location) {
        Resource directory = resourceLoader.getResource(location.endsWith("/") ? location : location + "/");
        if (directory.isFile()) {
            try {
                return ModelRepository.files(directory.getFile().toPath());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the model directory " + location, e);
            }
        }
        return fileName -> directory.createRelative(fileName).getInputStream();
    }

    @Override
    public void start() {
        running = true;
        models.loadInitial().thenRun(() -> settled.complete(null));
        if (models.fromRepository() && properties.modelControl() == ModelControl.POLL) {
            poller = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "model-repository-poll");
                thread.setDaemon(true);
                return thread;
            });
            long every = properties.modelRepositoryPoll().toMillis();
            // The first poll once the initial load has settled, so the two never overlap.
            settled.thenRun(() -> poller.scheduleWithFixedDelay(models::poll, every, every, TimeUnit.MILLISECONDS));
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
