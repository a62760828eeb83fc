package io.inceptionserve.serving;

import java.util.Collection;

/** A request named a model, or a version of one, that this service does not serve. */
public class ModelNotFoundException extends RuntimeException {

    public ModelNotFoundException(String name, Collection<String> served) {
        super("no model named '" + name + "'; this service serves " + String.join(", ", served));
    }

    public ModelNotFoundException(String name, long version, Collection<Long> versions) {
        super("model '" + name + "' has no version '" + version + "'; its versions are "
                + String.join(", ", versions.stream().map(String::valueOf).toList()));
    }
}
