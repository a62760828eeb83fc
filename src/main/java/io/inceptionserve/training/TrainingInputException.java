package io.inceptionserve.training;

/**
 * Input a training run cannot use: a missing or unreadable data set, a checkpoint of another
 * network, options that contradict the data. The message says what to do about it.
 */
public class TrainingInputException extends RuntimeException {

    public TrainingInputException(String message) {
        super(message);
    }

    public TrainingInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
