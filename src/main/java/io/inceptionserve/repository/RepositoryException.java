package io.inceptionserve.repository;

/** The model repository, or a model or version in it, cannot be read as laid out. */
public class RepositoryException extends RuntimeException {

    public RepositoryException(String message) {
        super(message);
    }

    public RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
