package io.inceptionserve.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import org.springframework.boot.webmvc.error.ErrorAttributes;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.multipart.MultipartException;

/**
 * The error page: what the servlet container and the filters in front of the controllers refuse
 * (a URL the firewall rejects, an unknown method, a broken chunked body, a failure in a filter)
 * reaches the client as problem+json, like every answer of the controllers, instead of Spring
 * Boot's own error JSON.
 */
@RestController
public class ErrorPageController implements ErrorController {

    private final ErrorAttributes errorAttributes;
    private final MultipartProblems multipartProblems;

    public ErrorPageController(ErrorAttributes errorAttributes, MultipartProblems multipartProblems) {
        this.errorAttributes = errorAttributes;
        this.multipartProblems = multipartProblems;
    }

    @RequestMapping("${server.error.path:/error}")
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        HttpStatus status = statusOf(request);
        Throwable error = errorAttributes.getError(new ServletWebRequest(request));
        String path = (String) request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        ProblemDetail problem;
        if (error instanceof MultipartException multipart) {
            // Raised by a filter that read a parameter of a multipart request, before the controllers.
            problem = multipartProblems.of(multipart);
        } else if (error instanceof IOException) {
            // A body that broke off or stopped arriving: the container sends these here itself.
            problem = MultipartProblems.unreadable(error);
        } else {
            problem = ProblemDetail.forStatusAndDetail(status, detail(status, error, request, path));
            problem.setType(URI.create("urn:inception-serve:problem:" + typeOf(status)));
            problem.setTitle(status.getReasonPhrase());
        }
        problem.setInstance(instance(path));
        // Set here, so that no Accept header can turn the answer into a 406.
        return ResponseEntity.status(problem.getStatus())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }

    /** The refused path, when it is a valid URI reference at all. */
    private static URI instance(String path) {
        try {
            return path == null ? null : new URI(null, null, path, null);
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    private static HttpStatus statusOf(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer value ? HttpStatus.resolve(value) : null;
        return status == null ? HttpStatus.INTERNAL_SERVER_ERROR : status;
    }

    /** A client's mistake is named with the container's own words; a server fault says nothing of its internals. */
    private static String detail(HttpStatus status, Throwable error, HttpServletRequest request, String path) {
        if (status.is5xxServerError()) {
            return "the service failed unexpectedly; the error is logged";
        }
        String message =
                error != null ? error.getMessage() : (String) request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        if (message != null && !message.isBlank()) {
            return message;
        }
        return switch (status) {
            case NOT_FOUND -> "nothing is served at " + path;
            case METHOD_NOT_ALLOWED -> "this method is not allowed on " + path;
            case CONTENT_TOO_LARGE -> "the request body is larger than the service accepts";
            case URI_TOO_LONG -> "the request URI is longer than the service accepts";
            case REQUEST_HEADER_FIELDS_TOO_LARGE -> "the request headers are larger than the service accepts";
            default -> "the request was refused: " + status.getReasonPhrase();
        };
    }

    private static String typeOf(HttpStatus status) {
        return status.getReasonPhrase().toLowerCase(java.util.Locale.ROOT).replace(' ', '-');
    }
}
