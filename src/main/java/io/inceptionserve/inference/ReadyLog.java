package io.inceptionserve.inference;

import io.inceptionserve.serving.ServedModel;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * One line when the service is ready, i.e. when readiness turns UP: Spring has started and every
 * model has loaded or failed. It gives the ports, each model's devices and whether it is trained,
 * and the time since the JVM started, the start-up time a user meets.
 */
@Component
class ReadyLog {

    private static final Logger log = LoggerFactory.getLogger(ReadyLog.class);

    private final ModelRegistry registry;
    private final Environment environment;

    ReadyLog(ModelRegistry registry, Environment environment) {
        this.registry = registry;
        this.environment = environment;
    }

    @EventListener(ApplicationReadyEvent.class)
    void afterStart() {
        registry.whenSettled().thenRun(() -> log.info(line()));
    }

    String line() {
        String models = registry.models().all().stream().map(ReadyLog::describe).collect(Collectors.joining("; "));
        return String.format(
                Locale.ROOT,
                "Ready in %.1f s on port %s (management %s): %s",
                ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0,
                environment.getProperty("local.server.port", "?"),
                environment.getProperty("local.management.port", "the same"),
                models);
    }

    private static String describe(ServedModel model) {
        if (model.status() != ServedModel.Status.READY) {
            return model.name() + " " + model.status() + (model.failure() == null ? "" : " (" + model.failure() + ")");
        }
        return model.name() + " on " + model.devices() + (model.trained() ? " trained" : " UNTRAINED");
    }
}
