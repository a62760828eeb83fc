package io.inceptionserve.api;

/** A raw image body larger than one file may be. */
class BodyTooLargeException extends RuntimeException {

    BodyTooLargeException(long limitBytes) {
        super("the request body exceeds the limit of " + limitBytes + " bytes per image");
    }
}
