package io.inceptionserve.serving;

/**
 * A request refused because the model cannot take it in time: its queue is full, or the request
 * waited past its deadline. Nothing was computed; retrying later may succeed.
 */
public class OverloadedException extends RuntimeException {

    public OverloadedException(String message) {
        super(message);
    }
}
