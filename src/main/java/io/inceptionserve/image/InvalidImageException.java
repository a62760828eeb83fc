package io.inceptionserve.image;

/** An uploaded file that cannot be turned into the network's input. */
public class InvalidImageException extends RuntimeException {

    /** Why the image was refused; the API maps each reason to its status code. */
    public enum Reason {
        /** The bytes are not in an image format this service decodes. */
        UNSUPPORTED_FORMAT,
        /** The bytes claim an image format but cannot be decoded. */
        UNREADABLE,
        /** The image's header declares more pixels than the service decodes. */
        TOO_LARGE
    }

    private final Reason reason;

    public InvalidImageException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public InvalidImageException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
