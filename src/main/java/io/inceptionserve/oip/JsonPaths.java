package io.inceptionserve.oip;

import tools.jackson.core.JacksonException;

/** Names where in a JSON request a parse error is, as a client would write the path. */
final class JsonPaths {

    private JsonPaths() {}

    /** " at inputs[0].data", or nothing when the error is not inside a field. */
    static String of(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference reference : e.getPath()) {
            if (reference.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(reference.getPropertyName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "" : " at " + path;
    }
}
