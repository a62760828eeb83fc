package io.inceptionserve.oip;

import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.inference.ModelRegistry;
import io.inceptionserve.serving.ModelUnavailableException;
import io.inceptionserve.serving.ServedModel;
import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/** The served models as the protocol names and describes them. */
@Component
class OipModels {

    static final String PLATFORM = "pytorch_djl";
    /** The prepared-tensor input, FP32 (or FP16) [N, C, H, W]. */
    static final String INPUT = "input";

    /** The encoded-image input, BYTES [N]. */
    static final String IMAGE_INPUT = "image";

    /** The decoded-pixel input, UINT8 [N, H, W, C], before normalisation. */
    static final String PIXELS_INPUT = "pixels";

    static final String OUTPUT = "probabilities";

    private final ModelRegistry registry;
    private final InceptionProperties.Inference settings;

    OipModels(ModelRegistry registry, InceptionProperties properties) {
        this.registry = registry;
        this.settings = properties.inference();
    }

    /**
     * The model of that name and version, or its newest ready version when none is named (as
     * Triton, an empty version too); 404 for either unknown.
     */
    ServedModel resolve(String name, String version) {
        Long number = version(name, version);
        return number == null
                ? registry.models().require(name)
                : registry.models().require(name, number);
    }

    /** The version a path names, or {@code null} for none; 404 for one that is not a version number. */
    Long version(String name, String version) {
        if (version == null || version.isEmpty()) {
            return null;
        }
        try {
            long number = Long.parseLong(version);
            if (number > 0) {
                return number;
            }
        } catch (NumberFormatException e) {
            // answered below, as any version the model does not have
        }
        throw new OipException(
                HttpStatus.NOT_FOUND,
                "model '" + name + "' has no version '" + version + "'; versions are positive whole numbers");
    }

    ModelRegistry registry() {
        return registry;
    }

    /** True when every model is ready, as the protocol defines server readiness. */
    boolean allReady() {
        return registry.models().all().stream().allMatch(m -> m.status() == ServedModel.Status.READY);
    }

    Metadata.Model metadata(ServedModel model) {
        ModelArtifact artifact = artifact(model);
        var input = artifact.manifest().input();
        return new Metadata.Model(
                model.name(),
                registry.models().versions(model.name()).stream()
                        .filter(version -> version.status() == ServedModel.Status.READY)
                        .map(version -> Long.toString(version.version()))
                        .toList(),
                PLATFORM,
                List.of(
                        new Metadata.Tensor(
                                INPUT, "FP32", new long[] {-1, input.channels(), input.size(), input.size()}),
                        new Metadata.Tensor(IMAGE_INPUT, "BYTES", new long[] {-1}),
                        new Metadata.Tensor(PIXELS_INPUT, "UINT8", new long[] {-1, -1, -1, input.channels()})),
                List.of(new Metadata.Tensor(
                        OUTPUT, "FP32", new long[] {-1, artifact.labels().size()})));
    }

    /** Every served model, in the registry's order. */
    List<ServedModel> all() {
        return List.copyOf(registry.models().all());
    }

    /** Triton's model configuration of a served model, from its manifest and the batching settings. */
    TritonModelConfig config(ServedModel model) {
        ModelArtifact artifact = artifact(model);
        var input = artifact.manifest().input();
        InceptionProperties.Batching batching = settings.batching(model.onGpu());
        return new TritonModelConfig(
                model.name(),
                PLATFORM,
                settings.maxImagesPerRequest(),
                List.of(
                        new TritonModelConfig.Tensor(
                                INPUT,
                                "TYPE_FP32",
                                "FORMAT_NCHW",
                                new long[] {input.channels(), input.size(), input.size()},
                                null),
                        new TritonModelConfig.Tensor(IMAGE_INPUT, "TYPE_STRING", null, new long[] {1}, null),
                        new TritonModelConfig.Tensor(
                                PIXELS_INPUT,
                                "TYPE_UINT8",
                                "FORMAT_NHWC",
                                new long[] {-1, -1, input.channels()},
                                null)),
                List.of(new TritonModelConfig.Tensor(
                        OUTPUT,
                        "TYPE_FP32",
                        null,
                        new long[] {artifact.labels().size()},
                        artifact.manifest().labels())),
                new TritonModelConfig.DynamicBatching(
                        List.of(batching.maxBatchSize()),
                        batching.maxBatchDelay().toNanos() / 1000));
    }

    /** The model's artifact; 503 while it is not yet opened or when it could not be. */
    ModelArtifact artifact(ServedModel model) {
        ModelArtifact artifact = model.artifact();
        if (artifact != null) {
            return artifact;
        }
        if (model.status() == ServedModel.Status.FAILED) {
            throw new ModelUnavailableException(
                    "model '" + model.name() + "' failed to load: " + model.failure(), false);
        }
        throw new ModelUnavailableException(
                "model '" + model.name() + "' is still "
                        + model.status().name().toLowerCase(Locale.ROOT).replace('_', ' '),
                true);
    }
}
