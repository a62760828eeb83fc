package io.inceptionserve.web;

import io.inceptionserve.config.InceptionProperties;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/**
 * When each request runs out of time: {@code inception.inference.request-timeout} after it
 * arrives, fixed before its body is read, so that reading, decoding, queueing and the forward
 * pass all count against one deadline.
 */
@Component
public class RequestArrival {

    private static final String DEADLINE = RequestArrival.class.getName() + ".deadlineNanos";

    private final long timeoutNanos;

    public RequestArrival(InceptionProperties properties) {
        this.timeoutNanos = properties.inference().requestTimeout().toNanos();
    }

    /** Fixes the deadline of a request that arrives now. */
    void arrived(HttpServletRequest request) {
        request.setAttribute(DEADLINE, System.nanoTime() + timeoutNanos);
    }

    /**
     * The request's deadline in {@link System#nanoTime()}'s terms; a request that arrived on a path
     * the body-reading filter does not cover gets the whole timeout from now.
     */
    public long deadlineNanos(HttpServletRequest request) {
        return request.getAttribute(DEADLINE) instanceof Long deadline ? deadline : System.nanoTime() + timeoutNanos;
    }
}
