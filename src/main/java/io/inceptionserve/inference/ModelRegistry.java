package io.inceptionserve.inference;

import io.inceptionserve.artifact.ArtifactFiles;
import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.config.InceptionProperties.Inference;
import io.inceptionserve.image.ImagePreprocessor;
import io.inceptionserve.model.Precision;
import io.inceptionserve.observability.InferenceMetrics;
import io.inceptionserve.serving.ServedModel;
import io.inceptionserve.serving.ServedModel.PrecisionSetting;
import io.inceptionserve.serving.ServingCore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.imageio.ImageIO;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.stereotype.Component;

/**
 * The models named by {@code inception.models}. The serving core loads and warms them up in the
 * background once the application starts, so the HTTP server (and its health endpoints) answer at
 * once while readiness waits for the models. A model that fails to load is reported and the
 * others still serve.
 */
@Component
public class ModelRegistry implements SmartLifecycle {

    private final InceptionProperties properties;
    private final ServingCore core;
    private final Map<String, ServedModel> models = new LinkedHashMap<>();
    private final CompletableFuture<Void> settled = new CompletableFuture<>();
    private volatile boolean running;

    public ModelRegistry(
            InceptionProperties properties, ResourceLoader resourceLoader, InferenceMetrics metrics, ServingCore core) {
        this.properties = properties;
        this.core = core;
        properties.models().forEach((name, location) -> {
            models.put(
                    name,
                    new ServedModel(
                            name,
                            location,
                            filesAt(resourceLoader, location),
                            precisionSetting(properties.inference(), name)));
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
        return models.values().stream().allMatch(ServedModel::settled);
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

    private static ArtifactFiles filesAt(ResourceLoader resourceLoader, String location) {
        Resource directory = resourceLoader.getResource(location.endsWith("/") ? location : location + "/");
        return fileName -> directory.createRelative(fileName).getInputStream();
    }

    @Override
    public void start() {
        running = true;
        core.load(models.values(), this::warmUpDecoders).thenRun(() -> settled.complete(null));
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
