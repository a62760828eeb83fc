package io.inceptionserve.serving;

/** A load or unload that cannot be done: no repository, no such model in it, or no version to serve. */
public class ModelControlException extends RuntimeException {

    public ModelControlException(String message, Throwable cause) {
        super(message, cause);
    }
}
