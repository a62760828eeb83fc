package io.inceptionserve.api;

import java.io.IOException;

/** A request body that broke off or stopped arriving while it was read. */
class UnreadableBodyException extends RuntimeException {

    UnreadableBodyException(IOException cause) {
        super("the request body cannot be read: " + cause.getMessage(), cause);
    }
}
