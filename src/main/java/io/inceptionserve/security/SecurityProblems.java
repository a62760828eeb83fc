package io.inceptionserve.security;

import io.inceptionserve.web.ErrorWriter;
import io.inceptionserve.web.ErrorWriters;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.InsufficientAuthenticationException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Answers the requests the security filters refuse the way the API answers every other error: an
 * RFC 9457 problem. The mode's own challenge first sets the status and {@code WWW-Authenticate};
 * the body is then written by Spring MVC's exception handling (the API's {@code ProblemHandler}
 * renders an {@link ErrorResponseException}), so it has the same shape and media type. An API
 * with an error shape of its own answers its requests with its {@link ErrorWriter} instead.
 */
final class SecurityProblems implements AuthenticationEntryPoint, AccessDeniedHandler {

    /** The API's problem types share this prefix (see {@code ProblemHandler}). */
    private static final String TYPE_PREFIX = "urn:inception-serve:problem:";

    private final HandlerExceptionResolver resolver;
    private final ErrorWriters errorWriters;
    private final AuthenticationEntryPoint challenge;
    private final AccessDeniedHandler denial;
    private final String credentialsNeeded;
    private final String notGranted;

    /**
     * @param challenge sets the status and WWW-Authenticate of a request without valid credentials
     * @param denial sets the status (and any header) of a request whose credentials do not suffice
     * @param credentialsNeeded the detail for a request that sent no credentials: what to send
     * @param notGranted the detail for a request whose credentials do not suffice: what they lack
     */
    SecurityProblems(
            HandlerExceptionResolver resolver,
            ErrorWriters errorWriters,
            AuthenticationEntryPoint challenge,
            AccessDeniedHandler denial,
            String credentialsNeeded,
            String notGranted) {
        this.resolver = resolver;
        this.errorWriters = errorWriters;
        this.challenge = challenge;
        this.denial = denial;
        this.credentialsNeeded = credentialsNeeded;
        this.notGranted = notGranted;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException, ServletException {
        challenge.commence(request, response, e);
        String detail;
        if (e instanceof InsufficientAuthenticationException) {
            // What the filters raise for a request that came without any credentials.
            detail = credentialsNeeded;
        } else if (e instanceof OAuth2AuthenticationException) {
            detail = "the bearer token was refused: " + e.getMessage();
        } else {
            detail = e.getMessage();
        }
        write(request, response, "unauthenticated", "Unauthenticated", detail);
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException, ServletException {
        denial.handle(request, response, e);
        write(request, response, "forbidden", "Forbidden", notGranted);
    }

    private void write(
            HttpServletRequest request, HttpServletResponse response, String type, String title, String detail)
            throws IOException {
        write(resolver, errorWriters, request, response, type, title, detail);
    }

    /** Writes a refusal whose status is already set, in the shape of the API the request is for. */
    static void write(
            HandlerExceptionResolver resolver,
            ErrorWriters errorWriters,
            HttpServletRequest request,
            HttpServletResponse response,
            String type,
            String title,
            String detail)
            throws IOException {
        HttpStatusCode status = HttpStatusCode.valueOf(response.getStatus());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPE_PREFIX + type));
        problem.setTitle(title);
        Optional<ErrorWriter> apiWriter = errorWriters.find(request);
        if (apiWriter.isPresent()) {
            apiWriter.get().write(request, response, problem);
            return;
        }
        resolver.resolveException(request, response, null, new ErrorResponseException(status, problem, null));
    }
}
