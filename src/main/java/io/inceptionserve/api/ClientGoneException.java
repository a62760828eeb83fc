package io.inceptionserve.api;

/** The client closed its connection while its images waited for a forward pass. */
class ClientGoneException extends RuntimeException {

    ClientGoneException() {
        super("the client closed its connection while its images waited; they were not computed", null, false, false);
    }
}
