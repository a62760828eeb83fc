package io.inceptionserve.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.validation.Validation;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.validation.beanvalidation.SpringValidatorAdapter;

/** The settings a mistake in them stops at start-up, with a message saying what to fix. */
class ApiSecurityPropertiesTest {

    @Test
    void modesAreWrittenAsInTheReadme() {
        ApiSecurityProperties settings =
                bind(Map.of("mode", "api-key", "api-keys", "0123456789abcdef,fedcba9876543210"));

        assertThat(settings.mode()).isEqualTo(ApiSecurityProperties.Mode.API_KEY);
        assertThat(settings.apiKeys()).containsExactly("0123456789abcdef", "fedcba9876543210");
        assertThat(settings.cors().allowedOrigins()).isEmpty();
        assertThat(bind(Map.of("mode", "oauth2")).requiredScope()).isEmpty();
    }

    @Test
    void mistakesAreRefused() {
        assertRefused(Map.of("mode", "api-key"), "mode api-key needs at least one key in inception.security.api-keys");
        assertRefused(Map.of("mode", "api-key", "api-keys", "secret"), "an API key must have at least 16 characters");
        assertRefused(
                Map.of("mode", "none", "cors.allowed-origins", "https://app.example.com/"),
                "an origin is scheme://host[:port], without a path or a trailing slash, or *");
        assertRefused(Map.of("mode", "oauth2", "required-scope", "read write"), "one scope, without spaces");
    }

    private static void assertRefused(Map<String, String> properties, String message) {
        assertThatThrownBy(() -> bind(properties))
                .hasRootCauseInstanceOf(BindValidationException.class)
                .rootCause()
                .hasMessageContaining(message);
    }

    private static ApiSecurityProperties bind(Map<String, String> properties) {
        var source = new MapConfigurationPropertySource();
        properties.forEach((name, value) -> source.put("inception.security." + name, value));
        var validator = new SpringValidatorAdapter(
                Validation.buildDefaultValidatorFactory().getValidator());
        return new Binder(source)
                .bind(
                        "inception.security",
                        Bindable.of(ApiSecurityProperties.class),
                        new ValidationBindHandler(validator))
                .get();
    }
}
