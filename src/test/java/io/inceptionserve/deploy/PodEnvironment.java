package io.inceptionserve.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.security.ApiSecurityProperties;
import jakarta.validation.Validation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.validation.beanvalidation.SpringValidatorAdapter;

/**
 * The Spring configuration the application would see inside the rendered pod: its own
 * application.yaml from the class path, then the container's environment variables, with the
 * ConfigMap's files placed where the pod mounts them (a scratch directory stands in for the
 * mount path). Spring's own config-data loading does the reading, so a location that does not
 * exist or YAML it cannot parse fails here as it would at start-up.
 */
final class PodEnvironment {

    private final ConfigurableEnvironment environment;

    private PodEnvironment(ConfigurableEnvironment environment) {
        this.environment = environment;
    }

    static PodEnvironment of(RenderedChart chart, Path scratch) {
        return of(chart, scratch, Map.of());
    }

    /**
     * @param secrets the values of the Secrets the container's variables refer to, as
     *     {@code secret-name/key} → value
     */
    static PodEnvironment of(RenderedChart chart, Path scratch, Map<String, String> secrets) {
        Container container = chart.container();
        ConfigMap config = chart.springConfig();
        String configVolume = chart.pod().getVolumes().stream()
                .filter(volume -> volume.getConfigMap() != null
                        && config.getMetadata()
                                .getName()
                                .equals(volume.getConfigMap().getName()))
                .findFirst()
                .orElseThrow()
                .getName();
        String mountPath = container.getVolumeMounts().stream()
                .filter(mount -> configVolume.equals(mount.getName()))
                .map(VolumeMount::getMountPath)
                .findFirst()
                .orElseThrow(() -> new AssertionError("the ConfigMap volume is not mounted in the container"));
        try {
            for (Map.Entry<String, String> file : config.getData().entrySet()) {
                Files.writeString(scratch.resolve(file.getKey()), file.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }

        Map<String, Object> variables = new LinkedHashMap<>();
        for (EnvVar variable : container.getEnv()) {
            if (variable.getValue() != null) {
                variables.put(variable.getName(), variable.getValue().replace(mountPath, scratch.toString()));
            } else if (variable.getValueFrom() != null
                    && variable.getValueFrom().getSecretKeyRef() != null) {
                SecretKeySelector secret = variable.getValueFrom().getSecretKeyRef();
                String value = secrets.get(secret.getName() + "/" + secret.getKey());
                if (value == null) {
                    throw new AssertionError(variable.getName() + " reads " + secret.getName() + "/" + secret.getKey()
                            + ", which the test did not provide");
                }
                variables.put(variable.getName(), value);
            }
        }
        StandardEnvironment environment = new StandardEnvironment();
        MutablePropertySources sources = environment.getPropertySources();
        // The pod's variables and no system properties: the test JVM's own are not the pod's.
        sources.replace(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        sources.remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        ConfigDataEnvironmentPostProcessor.applyTo(environment);
        return new PodEnvironment(environment);
    }

    /** True when one of the loaded configuration files is the mounted ConfigMap's. */
    boolean readFrom(Path scratch) {
        return environment.getPropertySources().stream()
                .anyMatch(source -> source.getName().contains(scratch.toString()));
    }

    String property(String name) {
        return environment.getProperty(name);
    }

    int serverPort() {
        return environment.getProperty("server.port", Integer.class, 8080);
    }

    /** management.server.port, which Spring Boot falls back to server.port for. */
    int managementPort() {
        return environment.getProperty("management.server.port", Integer.class, serverPort());
    }

    /** Where the actuator endpoints are served, as Spring Boot composes the path. */
    String actuatorPath() {
        String prefix = managementPort() == serverPort()
                ? environment.getProperty("server.servlet.context-path", "")
                : environment.getProperty("management.server.base-path", "");
        return prefix + environment.getProperty("management.endpoints.web.base-path", "/actuator");
    }

    Duration shutdownPhaseTimeout() {
        return Binder.get(environment)
                .bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
                .orElse(Duration.ofSeconds(30));
    }

    /** The service's own settings, bound and validated as the application binds them. */
    InceptionProperties inception() {
        return bind("inception", InceptionProperties.class);
    }

    /** The security settings, bound and validated as the application binds them. */
    ApiSecurityProperties security() {
        return bind("inception.security", ApiSecurityProperties.class);
    }

    private <T> T bind(String prefix, Class<T> type) {
        var validator = new SpringValidatorAdapter(
                Validation.buildDefaultValidatorFactory().getValidator());
        return Binder.get(environment)
                .bind(prefix, Bindable.of(type), new ValidationBindHandler(validator))
                .get();
    }
}
