package io.inceptionserve.web;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat's error report for what it refuses before any servlet runs (a malformed request line, a
 * URI or headers beyond its limits), as problem+json instead of its HTML page.
 */
class ProblemReportValve extends ErrorReportValve {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int code = response.getStatus();
        if (code < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        HttpStatus status = HttpStatus.resolve(code);
        String reason = status == null ? "Error " + code : status.getReasonPhrase();
        String detail;
        if (code >= 500) {
            detail = "the service failed unexpectedly; the error is logged";
        } else if (throwable != null && throwable.getMessage() != null) {
            detail = throwable.getMessage();
        } else if (response.getMessage() != null && !response.getMessage().isBlank()) {
            detail = response.getMessage();
        } else {
            detail = "the request was refused: " + reason;
        }
        ProblemDetail problem = ProblemDetail.forStatus(code);
        problem.setTitle(reason);
        problem.setDetail(detail);
        try {
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(JSON.writeValueAsString(problem));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // The client is gone or the response cannot take a body: nothing more to tell.
        }
    }
}
