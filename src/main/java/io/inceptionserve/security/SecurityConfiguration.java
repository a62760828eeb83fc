package io.inceptionserve.security;

import io.inceptionserve.security.ApiSecurityProperties.Mode;
import io.inceptionserve.web.ErrorWriters;
import java.time.Duration;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * The one security filter chain, on the application's port and the management port alike. In
 * every mode: no sessions, no login page, no CSRF tokens, CORS only for configured origins, and
 * security headers on every answer. With a mode set, the inference API needs credentials; the demo
 * page, Swagger UI, the OpenAPI document and the management endpoints never do.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

    /** The inference API: what needs credentials once a mode is set. */
    static final String[] PROTECTED = {"/classify", "/models/**", "/v2/**"};

    /**
     * The protocol's health checks, open in every mode as in KServe and Triton: a cloud load
     * balancer's health check cannot send credentials.
     */
    static final String[] HEALTH = {"/v2/health/live", "/v2/health/ready"};

    /**
     * Everything the demo page and Swagger UI load comes from the service itself. Scripts only from
     * files; inline styles are allowed because the demo page's bars and Swagger UI's bundle
     * set style attributes. {@code blob:} images are the demo page's thumbnails, {@code data:} ones
     * Swagger UI's icons.
     */
    static final String CONTENT_SECURITY_POLICY = String.join(
            "; ",
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'");

    private static final String API_KEY_CHALLENGE =
            "ApiKey realm=\"inception-serve\", header=\"" + ApiKeyAuthenticationFilter.HEADER + "\"";

    @Bean
    SecurityFilterChain securityFilterChain(
            HttpSecurity http,
            ApiSecurityProperties settings,
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver exceptionResolver,
            ErrorWriters errorWriters,
            ObjectProvider<JwtDecoder> jwtDecoder)
            throws Exception {
        // Credentials travel in headers that a page on another site cannot make a browser send,
        // never in cookies, so there is no session to keep and no request forgery to guard against.
        http.csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .logout(AbstractHttpConfigurer::disable)
                // Spring Security's defaults add nosniff, X-Frame-Options: DENY, Cache-Control:
                // no-store and, over HTTPS, Strict-Transport-Security.
                .headers(headers -> headers.referrerPolicy(referrer -> referrer.policy(ReferrerPolicy.NO_REFERRER))
                        .contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY)));
        List<String> origins = settings.cors().allowedOrigins();
        if (!origins.isEmpty()) {
            http.cors(cors -> cors.configurationSource(corsFor(origins)));
        }
        http.addFilterBefore(
                new CrossOriginRefusal(origins, exceptionResolver, errorWriters), AnonymousAuthenticationFilter.class);

        if (settings.mode() == Mode.NONE) {
            http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll());
            return http.build();
        }
        SecurityProblems problems = settings.mode() == Mode.API_KEY
                ? apiKeyAuthentication(http, settings, exceptionResolver, errorWriters)
                : bearerTokenAuthentication(http, settings, exceptionResolver, errorWriters, jwtDecoder);
        String scope = settings.mode() == Mode.OAUTH2 ? settings.requiredScope() : "";
        http.exceptionHandling(exceptions ->
                        exceptions.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .authorizeHttpRequests(requests -> {
                    requests.requestMatchers(HEALTH).permitAll();
                    var api = requests.requestMatchers(PROTECTED);
                    if (scope.isEmpty()) {
                        api.authenticated();
                    } else {
                        api.hasAuthority("SCOPE_" + scope);
                    }
                    requests.anyRequest().permitAll();
                });
        return http.build();
    }

    private static SecurityProblems apiKeyAuthentication(
            HttpSecurity http,
            ApiSecurityProperties settings,
            HandlerExceptionResolver exceptionResolver,
            ErrorWriters errorWriters) {
        SecurityProblems problems = new SecurityProblems(
                exceptionResolver,
                errorWriters,
                (request, response, e) -> {
                    response.setStatus(HttpStatus.UNAUTHORIZED.value());
                    response.setHeader(HttpHeaders.WWW_AUTHENTICATE, API_KEY_CHALLENGE);
                },
                (request, response, e) -> response.setStatus(HttpStatus.FORBIDDEN.value()),
                "this endpoint needs an API key in the " + ApiKeyAuthenticationFilter.HEADER + " header",
                "this API key does not grant this endpoint");
        http.addFilterBefore(
                new ApiKeyAuthenticationFilter(settings.apiKeys(), problems), AnonymousAuthenticationFilter.class);
        return problems;
    }

    private static SecurityProblems bearerTokenAuthentication(
            HttpSecurity http,
            ApiSecurityProperties settings,
            HandlerExceptionResolver exceptionResolver,
            ErrorWriters errorWriters,
            ObjectProvider<JwtDecoder> jwtDecoder) {
        JwtDecoder decoder = jwtDecoder.getIfAvailable(() -> {
            throw new IllegalStateException("inception.security.mode=oauth2 needs to know the tokens' signing keys: "
                    + "set spring.security.oauth2.resourceserver.jwt.issuer-uri, jwk-set-uri or public-key-location");
        });
        // The bearer-token classes write RFC 6750's WWW-Authenticate: Bearer error="invalid_token", ….
        SecurityProblems problems = new SecurityProblems(
                exceptionResolver,
                errorWriters,
                new BearerTokenAuthenticationEntryPoint(),
                new BearerTokenAccessDeniedHandler(),
                "this endpoint needs an OAuth2 access token (a JWT) in the header 'Authorization: Bearer <token>'",
                "the token lacks the scope '" + settings.requiredScope() + "' that this endpoint needs");
        http.oauth2ResourceServer(resourceServer -> resourceServer
                .jwt(jwt -> jwt.decoder(decoder))
                .authenticationEntryPoint(problems)
                .accessDeniedHandler(problems));
        return problems;
    }

    /** Browsers on the given origins may call the API, sending a key or token but no cookies. */
    private static UrlBasedCorsConfigurationSource corsFor(List<String> origins) {
        CorsConfiguration cors = new CorsConfiguration();
        cors.setAllowedOrigins(origins);
        cors.setAllowedMethods(List.of("GET", "HEAD", "POST"));
        cors.setAllowedHeaders(
                List.of(HttpHeaders.AUTHORIZATION, HttpHeaders.CONTENT_TYPE, ApiKeyAuthenticationFilter.HEADER));
        cors.setExposedHeaders(List.of(HttpHeaders.RETRY_AFTER, HttpHeaders.WWW_AUTHENTICATE));
        cors.setMaxAge(Duration.ofMinutes(30));
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration("/**", cors);
        return source;
    }
}
