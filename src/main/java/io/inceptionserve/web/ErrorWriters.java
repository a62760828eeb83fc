package io.inceptionserve.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/** The {@link ErrorWriter}s the APIs declare, by the paths they serve. */
@Component
public class ErrorWriters {

    private final List<ErrorWriter> writers;

    public ErrorWriters(ObjectProvider<ErrorWriter> writers) {
        this.writers = writers.orderedStream().toList();
    }

    /** The writer of the API that serves {@code request}, when that API does not answer in problem+json. */
    public Optional<ErrorWriter> find(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return writers.stream()
                .filter(writer -> path.equals(writer.pathPrefix()) || path.startsWith(writer.pathPrefix() + "/"))
                .findFirst();
    }
}
