package io.inceptionserve.web;

import java.util.List;

/**
 * Servlet URL patterns whose request bodies {@link BodyReadingFilter} receives whole before the
 * controllers run. Each API declares its own as a bean.
 */
public record BodyReadingPaths(List<String> urlPatterns) {

    public BodyReadingPaths(String... urlPatterns) {
        this(List.of(urlPatterns));
    }
}
