package io.inceptionserve.image;

import io.inceptionserve.artifact.ModelManifest;
import java.awt.image.BufferedImage;

/**
 * Turns the network's {@code size × size} RGB input image into its tensor: channels-first floats,
 * each sample scaled to [0, 1] then normalised with the manifest's mean and std; one luma channel
 * for a grey model. Immutable and thread-safe.
 */
final class TensorNormaliser {

    private final int size;
    private final int channels;
    private final float[] mean;
    private final float[] std;

    TensorNormaliser(ModelManifest manifest) {
        this.size = manifest.input().size();
        this.channels = manifest.input().channels();
        this.mean = manifest.preprocessing().mean().clone();
        this.std = manifest.preprocessing().std().clone();
    }

    /** Floats per image: channels × size × size. */
    int length() {
        return channels * size * size;
    }

    float[] apply(BufferedImage image) {
        int[] argb = image.getRGB(0, 0, size, size, null, 0, size);
        int plane = size * size;
        float[] out = new float[channels * plane];
        for (int i = 0; i < plane; i++) {
            int p = argb[i];
            float r = ((p >> 16) & 0xff) / 255f;
            float g = ((p >> 8) & 0xff) / 255f;
            float b = (p & 0xff) / 255f;
            if (channels == 1) {
                // ITU-R 601 luma, as PIL's convert("L"); exact for grey pixels (r == g == b).
                float luma = 0.299f * r + 0.587f * g + 0.114f * b;
                out[i] = (luma - mean[0]) / std[0];
            } else {
                out[i] = (r - mean[0]) / std[0];
                out[plane + i] = (g - mean[1]) / std[1];
                out[2 * plane + i] = (b - mean[2]) / std[2];
            }
        }
        return out;
    }
}
