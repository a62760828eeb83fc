package io.inceptionserve.oip;

import org.springframework.http.HttpStatus;

/** A request the protocol layer refuses, with the status it answers. */
class OipException extends RuntimeException {

    private final HttpStatus status;

    OipException(HttpStatus status, String message) {
        super(message);
        this.status = status;
    }

    static OipException badRequest(String message) {
        return new OipException(HttpStatus.BAD_REQUEST, message);
    }

    HttpStatus status() {
        return status;
    }
}
