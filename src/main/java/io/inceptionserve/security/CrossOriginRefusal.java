package io.inceptionserve.security;

import io.inceptionserve.web.ErrorWriters;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Refuses, before its body is read, a request that a page on another site made a visitor's
 * browser send. A browser sends such a request without asking first when it looks like a form
 * post ({@code text/plain}, {@code multipart/form-data}): CORS then hides only the answer, and the
 * service would compute it all the same. A request that changes something (any method but GET,
 * HEAD and OPTIONS) carrying an {@code Origin} that is neither this service (its {@code Host}) nor
 * one of {@code inception.security.cors.allowed-origins} is answered 403. Clients other than
 * browsers (curl, SDKs) send no {@code Origin} and are not affected; the demo page is same-origin.
 * Go's {@code net/http.CrossOriginProtection} draws the same line.
 */
final class CrossOriginRefusal extends OncePerRequestFilter {

    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    private final List<String> allowedOrigins;
    private final HandlerExceptionResolver resolver;
    private final ErrorWriters errorWriters;

    CrossOriginRefusal(List<String> allowedOrigins, HandlerExceptionResolver resolver, ErrorWriters errorWriters) {
        this.allowedOrigins = allowedOrigins;
        this.resolver = resolver;
        this.errorWriters = errorWriters;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin == null || SAFE_METHODS.contains(request.getMethod()) || allowed(origin, request)) {
            chain.doFilter(request, response);
            return;
        }
        response.setStatus(HttpStatus.FORBIDDEN.value());
        // The body is not read: the connection cannot carry another request.
        response.setHeader(HttpHeaders.CONNECTION, "close");
        SecurityProblems.write(
                resolver,
                errorWriters,
                request,
                response,
                "cross-origin",
                "Cross-origin request refused",
                "a page on " + origin + " may not call this service; only its own pages"
                        + (allowedOrigins.isEmpty() ? "" : " and those of " + String.join(", ", allowedOrigins))
                        + " may (inception.security.cors.allowed-origins)");
    }

    private boolean allowed(String origin, HttpServletRequest request) {
        if (allowedOrigins.contains("*") || allowedOrigins.contains(origin)) {
            return true;
        }
        String host = request.getHeader(HttpHeaders.HOST);
        try {
            URI uri = URI.create(origin);
            // Host and port only: behind a proxy that ends TLS, the scheme the service sees differs from the page's.
            return host != null
                    && uri.getRawAuthority() != null
                    && uri.getRawAuthority().toLowerCase(Locale.ROOT).equals(host.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
