package io.inceptionserve.serving;

/** The engine failed while computing a request's batch; only that batch's requests fail. */
public class InferenceException extends RuntimeException {

    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
