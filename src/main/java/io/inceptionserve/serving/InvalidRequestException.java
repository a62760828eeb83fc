package io.inceptionserve.serving;

/** A request whose parameters make no sense for the model it names. */
public class InvalidRequestException extends RuntimeException {

    public InvalidRequestException(String message) {
        super(message);
    }
}
