package io.inceptionserve.oip;

import io.inceptionserve.image.InvalidImageException;
import io.inceptionserve.serving.InferenceException;
import io.inceptionserve.serving.InvalidRequestException;
import io.inceptionserve.serving.ModelNotFoundException;
import io.inceptionserve.serving.ModelUnavailableException;
import io.inceptionserve.serving.OverloadedException;
import io.inceptionserve.web.ClientGoneException;
import io.inceptionserve.web.ErrorWriter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answers every failure of the protocol's endpoints in the protocol's own shape,
 * {@code {"error": "..."}}, instead of the problem+json the rest of the service uses. As an advice
 * it runs before the service-wide handler, and only for {@link OipController}; as an {@link
 * ErrorWriter} it answers the refusals made before the controller runs.
 */
@RestControllerAdvice(assignableTypes = OipController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class OipErrors implements ErrorWriter {

    private static final Logger log = LoggerFactory.getLogger(OipErrors.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    public String pathPrefix() {
        return OipController.PATH;
    }

    /** The protocol's clients read errors as {@code {"error": "..."}}, on every status. */
    @Override
    public void write(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem)
            throws IOException {
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.getOutputStream().write(JSON.writeValueAsBytes(new Metadata.Error(problem.getDetail())));
    }

    /** Seconds a client should wait before retrying a model that is still loading. */
    private static final String LOADING_RETRY_AFTER = "5";

    @ExceptionHandler
    ResponseEntity<Metadata.Error> refused(OipException e) {
        return error(e.status(), e.getMessage());
    }

    @ExceptionHandler
    ResponseEntity<Metadata.Error> unknownModel(ModelNotFoundException e) {
        return error(HttpStatus.NOT_FOUND, e.getMessage());
    }

    @ExceptionHandler
    ResponseEntity<Metadata.Error> unavailable(ModelUnavailableException e) {
        ResponseEntity<Metadata.Error> response = error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
        return e.willRecover() ? retryAfter(response, LOADING_RETRY_AFTER) : response;
    }

    private static ResponseEntity<Metadata.Error> retryAfter(ResponseEntity<Metadata.Error> response, String seconds) {
        return ResponseEntity.status(response.getStatusCode())
                .contentType(MediaType.APPLICATION_JSON)
                .header(HttpHeaders.RETRY_AFTER, seconds)
                .body(response.getBody());
    }

    /** Seconds a client should wait before retrying an overloaded model: queues drain fast. */
    private static final String OVERLOADED_RETRY_AFTER = "1";

    /** A full queue or a passed deadline: nothing was computed, and a retry may succeed. */
    @ExceptionHandler
    ResponseEntity<Metadata.Error> overloaded(OverloadedException e) {
        return retryAfter(error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage()), OVERLOADED_RETRY_AFTER);
    }

    /** The protocol knows only "bad request" for a request the model cannot take. */
    @ExceptionHandler(InvalidRequestException.class)
    ResponseEntity<Metadata.Error> invalid(RuntimeException e) {
        return error(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    /** An image over the pixel limit is 413, as on the REST API: no retry will serve it; other bad images 400. */
    @ExceptionHandler
    ResponseEntity<Metadata.Error> invalidImage(InvalidImageException e) {
        return error(
                e.reason() == InvalidImageException.Reason.TOO_LARGE
                        ? HttpStatus.CONTENT_TOO_LARGE
                        : HttpStatus.BAD_REQUEST,
                e.getMessage());
    }

    /** Never delivered: the client left while its images waited; not an error of the service. */
    @ExceptionHandler
    ResponseEntity<Metadata.Error> clientGone(ClientGoneException e) {
        return error(HttpStatusCode.valueOf(ClientGoneException.STATUS), e.getMessage());
    }

    /** The answer could not be written: its client is gone. Nothing to send, nothing to log (as the REST API's base handler does). */
    @ExceptionHandler
    void unwritable(AsyncRequestNotUsableException e) {
        log.debug("The answer could not be written: {}", e.getMessage());
    }

    @ExceptionHandler
    ResponseEntity<Metadata.Error> inferenceFailed(InferenceException e) {
        log.error("Inference failed", e);
        return error(HttpStatus.INTERNAL_SERVER_ERROR, e.getMessage());
    }

    /**
     * Spring's own refusals (a missing header, an unreadable body) keep their status; anything
     * unforeseen is logged in full and answered without internals.
     */
    @ExceptionHandler
    ResponseEntity<Metadata.Error> other(Exception e) {
        if (e instanceof ErrorResponse refusal) {
            String detail = refusal.getBody().getDetail();
            return error(
                    refusal.getStatusCode(),
                    detail != null ? detail : refusal.getStatusCode().toString());
        }
        log.error("Unexpected error", e);
        return error(HttpStatus.INTERNAL_SERVER_ERROR, "the server failed unexpectedly; the error is logged");
    }

    private static ResponseEntity<Metadata.Error> error(HttpStatusCode status, String message) {
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_JSON)
                .body(new Metadata.Error(message));
    }
}
