package io.inceptionserve.inference;

import io.inceptionserve.serving.ServedModel;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The {@code models} health component, part of the readiness group: out of service while any
 * model is still loading or warming up, up once they have all settled and at least one serves,
 * down when none does. A model that failed is listed with its reason while the others serve.
 */
@Component("models")
public class ModelsHealthIndicator implements HealthIndicator {

    private final ModelRegistry registry;

    public ModelsHealthIndicator(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Health health() {
        Map<String, Object> details = new TreeMap<>();
        boolean anyReady = false;
        for (ServedModel model : registry.models().all()) {
            anyReady |= model.status() == ServedModel.Status.READY;
            details.put(
                    model.name(),
                    model.failure() == null
                            ? Map.of("status", model.status(), "trained", model.trained())
                            : Map.of("status", model.status(), "failure", model.failure()));
        }
        Health.Builder health;
        if (!registry.models().settled()) {
            health = Health.outOfService();
        } else if (anyReady) {
            health = Health.up();
        } else {
            health = Health.down();
        }
        return health.withDetails(details).build();
    }
}
