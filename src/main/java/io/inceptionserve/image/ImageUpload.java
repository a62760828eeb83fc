package io.inceptionserve.image;

/**
 * One uploaded image.
 *
 * @param filename the client's file name, echoed back; may be {@code null}
 * @param bytes the encoded image
 */
public record ImageUpload(String filename, byte[] bytes) implements ImageInput {

    @Override
    public ImageSize size() {
        return ImageSize.declaredBy(bytes);
    }

    @Override
    public float[] prepare(ImagePreprocessor preprocessor) {
        return preprocessor.prepare(bytes);
    }
}
