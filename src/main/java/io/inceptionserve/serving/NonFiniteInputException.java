package io.inceptionserve.serving;

/**
 * A prepared tensor holding NaN or an infinity (a value beyond float32's range becomes one): the
 * forward pass would answer NaN probabilities, so it is refused as the client's mistake.
 */
public class NonFiniteInputException extends InvalidRequestException {

    NonFiniteInputException(int image, int element, float value) {
        super("image " + image + " of the batch holds " + value + " at element " + element
                + " of its tensor; inputs must be finite float32 values (a value beyond ±3.4e38 overflows"
                + " to infinity)");
    }

    /** Refuses {@code images} when one holds a value that is not finite. */
    static void check(java.util.List<float[]> images) {
        for (int i = 0; i < images.size(); i++) {
            float[] pixels = images.get(i);
            for (int j = 0; j < pixels.length; j++) {
                if (!Float.isFinite(pixels[j])) {
                    throw new NonFiniteInputException(i, j, pixels[j]);
                }
            }
        }
    }
}
