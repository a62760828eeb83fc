package io.inceptionserve.web;

/** The client closed its connection while its images waited for a forward pass. */
public class ClientGoneException extends RuntimeException {

    /** The status it ends with: nginx's "client closed request", never delivered. */
    public static final int STATUS = 499;

    public ClientGoneException() {
        super("the client closed its connection while its images waited; they were not computed", null, false, false);
    }
}
