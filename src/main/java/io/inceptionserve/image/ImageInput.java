package io.inceptionserve.image;

/** An image a request brings, encoded or as pixels, before it is prepared for a network. */
public interface ImageInput {

    /** The client's name for it, echoed back; may be {@code null}. */
    String filename();

    /**
     * Its size, known before any pixel is decoded; null when its header cannot be read (preparing
     * it then refuses it with the reason).
     */
    ImageSize size();

    /** Decodes it if needed and prepares it; refusals say why. */
    float[] prepare(ImagePreprocessor preprocessor);

    /**
     * Names the image in an error message: its file name, else its place in the request.
     *
     * @param index the image's index in the request
     * @param count the request's number of images
     * @return e.g. "'boot.png'", "image 2" or "the image"
     */
    default String describe(int index, int count) {
        if (filename() != null) {
            return "'" + filename() + "'";
        }
        return count > 1 ? "image " + (index + 1) : "the image";
    }
}
