package io.inceptionserve.web;

import java.net.SocketTimeoutException;
import java.net.URI;
import org.apache.tomcat.util.http.fileupload.FileUploadException;
import org.apache.tomcat.util.http.fileupload.MultipartStream.MalformedStreamException;
import org.apache.tomcat.util.http.fileupload.impl.FileSizeLimitExceededException;
import org.apache.tomcat.util.http.fileupload.impl.SizeLimitExceededException;
import org.springframework.boot.servlet.autoconfigure.MultipartProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.multipart.MultipartException;

/**
 * What went wrong reading a request body, from the container's exception under Spring's: Spring
 * calls any multipart failure that mentions a size "Maximum upload size exceeded", too many parts
 * and an over-long part header included.
 */
@Component
public class MultipartProblems {

    /** The container's words for a part whose headers exceed its limit. */
    private static final String HEADER_TOO_LARGE = "Header section has more than";

    private final MultipartProperties multipart;

    public MultipartProblems(MultipartProperties multipart) {
        this.multipart = multipart;
    }

    public ProblemDetail of(MultipartException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            String message = cause.getMessage() == null ? "" : cause.getMessage();
            if (message.startsWith(HEADER_TOO_LARGE)) {
                return problem(
                        HttpStatus.BAD_REQUEST,
                        "part-header-too-large",
                        "Part header too large",
                        "a part's headers (field name, file name, content type) are too long: " + message);
            }
            if (cause instanceof ReceivedMultipartResolver.TooManyPartsException) {
                return problem(HttpStatus.CONTENT_TOO_LARGE, "too-many-parts", "Too many parts", message);
            }
            if (cause instanceof FileSizeLimitExceededException file) {
                return problem(
                        HttpStatus.CONTENT_TOO_LARGE,
                        "upload-too-large",
                        "Upload too large",
                        "the file '" + file.getFileName() + "' exceeds the limit of "
                                + multipart.getMaxFileSize().toBytes() + " bytes per file");
            }
            if (cause instanceof SizeLimitExceededException) {
                return problem(
                        HttpStatus.CONTENT_TOO_LARGE,
                        "upload-too-large",
                        "Upload too large",
                        "the upload exceeds the limit of "
                                + multipart.getMaxRequestSize().toBytes() + " bytes per request");
            }
            if (cause instanceof SocketTimeoutException) {
                return unreadable(cause);
            }
            if (cause instanceof FileUploadException || cause instanceof MalformedStreamException) {
                return malformed(message);
            }
        }
        return malformed(e.getMessage());
    }

    /** A body that stopped arriving (408) or broke off (400). */
    public static ProblemDetail unreadable(Throwable cause) {
        if (stalled(cause)) {
            return problem(
                    HttpStatus.REQUEST_TIMEOUT,
                    "upload-stalled",
                    "Upload stalled",
                    "the request body stopped arriving before it was complete; the upload timed out");
        }
        return problem(
                HttpStatus.BAD_REQUEST,
                "unreadable-body",
                "Unreadable body",
                "the request body cannot be read: " + (cause == null ? "unknown error" : cause.getMessage()));
    }

    /** A body that arrives too slowly to be whole in time (408); {@code detail} says how slowly. */
    static ProblemDetail tooSlow(String detail) {
        return problem(
                HttpStatus.REQUEST_TIMEOUT,
                "upload-stalled",
                "Upload stalled",
                "the request body stopped arriving before it was complete: " + detail);
    }

    /** Whether a socket read timed out under {@code e}: the client stopped sending. */
    private static boolean stalled(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static ProblemDetail malformed(String message) {
        return problem(
                HttpStatus.BAD_REQUEST,
                "malformed-multipart",
                "Malformed multipart body",
                "the multipart body cannot be read: " + message);
    }

    static ProblemDetail problem(HttpStatus status, String type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("urn:inception-serve:problem:" + type));
        problem.setTitle(title);
        return problem;
    }
}
