package io.inceptionserve.api;

import io.inceptionserve.image.InvalidImageException;
import io.inceptionserve.serving.InferenceException;
import io.inceptionserve.serving.InvalidRequestException;
import io.inceptionserve.serving.ModelNotFoundException;
import io.inceptionserve.serving.ModelUnavailableException;
import io.inceptionserve.serving.OverloadedException;
import io.inceptionserve.web.ClientGoneException;
import io.inceptionserve.web.MultipartProblems;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every failure into an RFC 9457 {@code application/problem+json} answer with a detail a
 * client can act on. Spring's own errors (bad parameters, wrong media type, oversized uploads)
 * are handled by the base class in the same shape.
 */
@RestControllerAdvice
public class ProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    /** Seconds a client should wait before retrying a model that is still loading. */
    private static final String LOADING_RETRY_AFTER = "5";

    /** Seconds a client should wait before retrying an overloaded model: queues drain fast. */
    private static final String OVERLOADED_RETRY_AFTER = "1";

    private final MultipartProblems multipartProblems;

    public ProblemHandler(MultipartProblems multipartProblems) {
        this.multipartProblems = multipartProblems;
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> unknownModel(ModelNotFoundException e) {
        return problem(HttpStatus.NOT_FOUND, "unknown-model", "Unknown model", e.getMessage());
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> unavailable(ModelUnavailableException e) {
        ResponseEntity<ProblemDetail> response =
                problem(HttpStatus.SERVICE_UNAVAILABLE, "model-unavailable", "Model unavailable", e.getMessage());
        return e.willRecover() ? retryAfter(response, LOADING_RETRY_AFTER) : response;
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> overloaded(OverloadedException e) {
        return retryAfter(
                problem(HttpStatus.SERVICE_UNAVAILABLE, "overloaded", "Overloaded", e.getMessage()),
                OVERLOADED_RETRY_AFTER);
    }

    private static ResponseEntity<ProblemDetail> retryAfter(ResponseEntity<ProblemDetail> response, String seconds) {
        return ResponseEntity.status(response.getStatusCode())
                .header(HttpHeaders.RETRY_AFTER, seconds)
                .body(response.getBody());
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> invalidImage(InvalidImageException e) {
        return switch (e.reason()) {
            case UNSUPPORTED_FORMAT ->
                problem(
                        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                        "unsupported-image-format",
                        "Unsupported image format",
                        e.getMessage());
            case UNREADABLE ->
                problem(HttpStatus.UNPROCESSABLE_CONTENT, "unreadable-image", "Unreadable image", e.getMessage());
            case TOO_LARGE ->
                problem(HttpStatus.CONTENT_TOO_LARGE, "image-too-large", "Image too large", e.getMessage());
        };
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> invalidRequest(InvalidRequestException e) {
        return problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", e.getMessage());
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> tooManyImages(TooManyImagesException e) {
        return problem(HttpStatus.CONTENT_TOO_LARGE, "too-many-images", "Too many images", e.getMessage());
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> bodyTooLarge(BodyTooLargeException e) {
        return problem(HttpStatus.CONTENT_TOO_LARGE, "body-too-large", "Body too large", e.getMessage());
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> malformedMultipart(MultipartException e) {
        ProblemDetail problem = multipartProblems.of(e);
        return ResponseEntity.status(problem.getStatus()).body(problem);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> unreadableBody(UnreadableBodyException e) {
        ProblemDetail problem = MultipartProblems.unreadable(e.getCause());
        return ResponseEntity.status(problem.getStatus()).body(problem);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> inferenceFailed(InferenceException e) {
        log.error("Inference failed", e);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, "inference-failed", "Inference failed", e.getMessage());
    }

    /**
     * Never delivered, and not an error of the service: the status (nginx's "client closed
     * request") is for the access log and {@code http_server_requests}.
     */
    @ExceptionHandler
    ResponseEntity<ProblemDetail> clientGone(ClientGoneException e) {
        ProblemDetail problem =
                ProblemDetail.forStatusAndDetail(HttpStatusCode.valueOf(ClientGoneException.STATUS), e.getMessage());
        problem.setType(URI.create("urn:inception-serve:problem:client-gone"));
        problem.setTitle("Client closed request");
        return ResponseEntity.status(ClientGoneException.STATUS).body(problem);
    }

    /** Anything unforeseen: logged in full, answered without internals. */
    @ExceptionHandler
    ResponseEntity<ProblemDetail> unexpected(Exception e) {
        log.error("Unexpected error", e);
        return problem(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "internal-error",
                "Internal error",
                "the service failed unexpectedly; the error is logged");
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("urn:inception-serve:problem:" + type));
        problem.setTitle(title);
        return ResponseEntity.status(status).body(problem);
    }
}
