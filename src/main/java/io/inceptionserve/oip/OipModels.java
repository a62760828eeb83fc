package io.inceptionserve.oip;

import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.inference.ModelRegistry;
import io.inceptionserve.inference.ModelUnavailableException;
import io.inceptionserve.inference.ServedModel;
import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/** The served models as the protocol names and describes them. */
@Component
class OipModels {

    /**
     * Every model has one version: a model directory is replaced, not versioned, so "1" is the
     * version to ask for when a client insists on one.
     */
    static final String VERSION = "1";

    static final String PLATFORM = "pytorch_djl";
    static final String INPUT = "input";
    static final String OUTPUT = "probabilities";

    private final ModelRegistry registry;

    OipModels(ModelRegistry registry) {
        this.registry = registry;
    }

    /** The model of that name and version; 404 for either unknown. */
    ServedModel resolve(String name, String version) {
        ServedModel model = registry.require(name);
        if (version != null && !VERSION.equals(version)) {
            throw new OipException(
                    HttpStatus.NOT_FOUND,
                    "model '" + name + "' has no version '" + version + "'; its only version is " + VERSION);
        }
        return model;
    }

    /** True when every model is ready, as the protocol defines server readiness. */
    boolean allReady() {
        return registry.all().stream().allMatch(m -> m.status() == ServedModel.Status.READY);
    }

    Metadata.Model metadata(ServedModel model) {
        ModelArtifact artifact = artifact(model);
        var input = artifact.manifest().input();
        return new Metadata.Model(
                model.name(),
                List.of(VERSION),
                PLATFORM,
                List.of(new Metadata.Tensor(
                        INPUT, "FP32", new long[] {-1, input.channels(), input.size(), input.size()})),
                List.of(new Metadata.Tensor(
                        OUTPUT, "FP32", new long[] {-1, artifact.labels().size()})));
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
