package io.inceptionserve.image;

/**
 * One uploaded image.
 *
 * @param filename the client's file name, echoed back; may be {@code null}
 * @param bytes the encoded image
 */
public record ImageUpload(String filename, byte[] bytes) {

    /**
     * Names the image in an error message: its file name, else its place in the request.
     *
     * @param index the image's index in the request
     * @param count the request's number of images
     * @return e.g. "'boot.png'", "image 2" or "the image"
     */
    public String describe(int index, int count) {
        if (filename != null) {
            return "'" + filename + "'";
        }
        return count > 1 ? "image " + (index + 1) : "the image";
    }
}
