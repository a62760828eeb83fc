package io.inceptionserve.importer;

/** A checkpoint that cannot be imported; the message says what is wrong with it. */
public class ImportException extends RuntimeException {

    public ImportException(String message) {
        super(message);
    }

    public ImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
