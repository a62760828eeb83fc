package io.inceptionserve.security;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
import java.util.stream.Stream;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.http.server.PathContainer;
import org.springframework.stereotype.Component;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * With a mode set, tells the OpenAPI document which credentials the protected endpoints take and
 * that they may answer 401, so that Swagger UI offers its "Authorize" button and sends them.
 */
@Component
class OpenApiCredentials implements OpenApiCustomizer {

    private static final String SCHEME = "credentials";

    private final ApiSecurityProperties.Mode mode;
    private final List<PathPattern> protectedPaths = Stream.of(SecurityConfiguration.PROTECTED)
            .map(PathPatternParser.defaultInstance::parse)
            .toList();

    OpenApiCredentials(ApiSecurityProperties settings) {
        this.mode = settings.mode();
    }

    @Override
    public void customise(OpenAPI api) {
        SecurityScheme scheme = switch (mode) {
            case NONE -> null;
            case API_KEY ->
                new SecurityScheme()
                        .type(SecurityScheme.Type.APIKEY)
                        .in(SecurityScheme.In.HEADER)
                        .name(ApiKeyAuthenticationFilter.HEADER);
            case OAUTH2 ->
                new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .bearerFormat("JWT");
        };
        if (scheme == null) {
            return;
        }
        if (api.getComponents() == null) {
            api.setComponents(new Components());
        }
        api.getComponents().addSecuritySchemes(SCHEME, scheme);
        ApiResponse unauthenticated = new ApiResponse()
                .description("No valid credentials: an RFC 9457 problem, with WWW-Authenticate")
                .content(new Content()
                        .addMediaType(
                                "application/problem+json",
                                new MediaType().schema(new Schema<>().$ref("#/components/schemas/ProblemDetail"))));
        api.getPaths().forEach((path, item) -> {
            if (protectedPaths.stream().anyMatch(pattern -> pattern.matches(PathContainer.parsePath(path)))) {
                item.readOperations()
                        .forEach(operation -> operation
                                .addSecurityItem(new SecurityRequirement().addList(SCHEME))
                                .getResponses()
                                .addApiResponse("401", unauthenticated));
            }
        });
    }
}
