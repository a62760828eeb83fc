package io.inceptionserve.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.ProblemDetail;

/**
 * How an HTTP API that answers errors in a shape of its own, not problem+json, answers the
 * refusals made before its controllers run (by the body-reading filter or the security filters).
 * Such an API declares its writer as a bean; {@link ErrorWriters} finds it by path.
 */
public interface ErrorWriter {

    /** The path the API is served under (within the context): it owns the requests to it and below it. */
    String pathPrefix();

    /** Answers {@code problem}'s status and detail in the API's shape. */
    void write(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem) throws IOException;
}
