package io.inceptionserve.api;

/** A request carried more images than one request may. */
class TooManyImagesException extends RuntimeException {

    TooManyImagesException(int sent, int limit) {
        super("the request has " + sent + " images; at most " + limit + " are accepted per request");
    }
}
