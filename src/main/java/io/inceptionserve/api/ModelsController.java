package io.inceptionserve.api;

import io.inceptionserve.inference.ModelRegistry;
import io.inceptionserve.serving.ServedModel;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /models}: the served models and their state. */
@RestController
@Tag(name = "Models")
public class ModelsController {

    private final ModelRegistry registry;

    public ModelsController(ModelRegistry registry) {
        this.registry = registry;
    }

    @Operation(summary = "List the served models")
    @GetMapping("/models")
    public List<ModelInfo> models() {
        return registry.models().all().stream().map(this::info).toList();
    }

    @Operation(summary = "Describe one model")
    @ProblemResponses
    @GetMapping("/models/{name}")
    public ModelInfo model(@PathVariable String name) {
        return info(registry.models().require(name));
    }

    private ModelInfo info(ServedModel model) {
        return ModelInfo.of(model, registry.models().versions(model.name()), registry.defaultModel());
    }
}
