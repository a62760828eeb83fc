package io.inceptionserve.security;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Who may call the inference API, under {@code inception.security.*}.
 *
 * @param mode {@code none} (anyone), {@code api-key} or {@code oauth2}
 * @param apiKeys mode api-key: the keys accepted in the {@code X-API-Key} header
 * @param requiredScope mode oauth2: a scope every token must carry; empty accepts any valid token
 * @param cors which other sites' pages may call the service from a browser
 */
@Validated
@ConfigurationProperties("inception.security")
public record ApiSecurityProperties(
        @NotNull Mode mode,

        @DefaultValue
        List<
                        @NotNull
                        @Size(
                                min = MIN_KEY_LENGTH,
                                message = "an API key must have at least " + MIN_KEY_LENGTH + " characters")
                        String>
                apiKeys,

        @DefaultValue("") @Pattern(regexp = "\\S*", message = "one scope, without spaces")
        String requiredScope,

        @DefaultValue @NotNull @Valid Cors cors) {

    /** Short keys can be guessed; 16 random characters cannot. */
    static final int MIN_KEY_LENGTH = 16;

    /** An origin as browsers send it: scheme, host and port, no path and no trailing slash. */
    private static final String ORIGIN = "\\*|https?://[^/\\s]+";

    @AssertTrue(message = "mode api-key needs at least one key in inception.security.api-keys")
    public boolean isKeyedWhenApiKeyMode() {
        return mode != Mode.API_KEY || !apiKeys.isEmpty();
    }

    /**
     * @param allowedOrigins origins ({@code https://app.example.com}, or {@code *} for any) whose
     *     pages may call the service; empty, the default, sends no CORS headers at all
     */
    public record Cors(
            @DefaultValue
            List<
                            @NotNull
                            @Pattern(
                                    regexp = ORIGIN,
                                    message =
                                            "an origin is scheme://host[:port], without a path or a trailing slash, or *")
                            String>
                    allowedOrigins) {}

    /** How callers of the inference API prove who they are. */
    public enum Mode {
        /** Nobody is asked. */
        NONE,
        /** A configured key in the {@code X-API-Key} header. */
        API_KEY,
        /** An OAuth2 access token, a JWT, in {@code Authorization: Bearer}. */
        OAUTH2
    }
}
