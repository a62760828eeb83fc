package io.inceptionserve.inference;

import java.util.Collection;

/** A request named a model this service does not serve. */
public class ModelNotFoundException extends RuntimeException {

    public ModelNotFoundException(String name, Collection<String> served) {
        super("no model named '" + name + "'; this service serves " + String.join(", ", served));
    }
}
