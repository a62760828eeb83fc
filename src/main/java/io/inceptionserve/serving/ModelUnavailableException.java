package io.inceptionserve.serving;

/** The model exists but cannot answer now: still loading, or failed to load. */
public class ModelUnavailableException extends RuntimeException {

    private final boolean willRecover;

    public ModelUnavailableException(String message, boolean willRecover) {
        super(message);
        this.willRecover = willRecover;
    }

    /** Whether retrying later may succeed (the model is loading rather than broken). */
    public boolean willRecover() {
        return willRecover;
    }
}
