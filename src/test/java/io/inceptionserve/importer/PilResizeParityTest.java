package io.inceptionserve.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.image.PilResampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link PilResampler} against Pillow itself (Debian's python3-pil, through
 * src/test/python/torchvision_reference.py): the same photos, as PIL decodes them, resized to
 * the same sizes with the same filter, give the same bytes.
 */
class PilResizeParityTest {

    @Test
    void everyPixelIsPillows() throws Exception {
        Path directory = TorchReference.resized();
        JsonNode sizes = JsonMapper.builder()
                .build()
                .readTree(directory.resolve("photos.json").toFile());
        JsonNode entries = JsonMapper.builder()
                .build()
                .readTree(directory.resolve("resize.json").toFile());
        assertThat(entries.size()).isGreaterThanOrEqualTo(60);
        List<String> mismatches = new ArrayList<>();
        for (JsonNode entry : entries) {
            String photo = entry.get("photo").asString();
            int width = sizes.get(photo).get(0).asInt();
            int height = sizes.get(photo).get(1).asInt();
            int outWidth = entry.get("width").asInt();
            int outHeight = entry.get("height").asInt();
            int[] pixels = packed(Files.readAllBytes(directory.resolve(photo + ".rgb")));
            int[] expected = packed(
                    Files.readAllBytes(directory.resolve(entry.get("file").asString())));

            int[] resized = PilResampler.resize(
                    pixels,
                    width,
                    height,
                    outWidth,
                    outHeight,
                    PilResampler.Filter.valueOf(entry.get("filter").asString()));

            int differing = 0;
            for (int i = 0; i < expected.length; i++) {
                differing += resized[i] == expected[i] ? 0 : 1;
            }
            if (resized.length != expected.length || differing > 0) {
                mismatches.add(entry.get("file").asString() + ": " + differing + " pixels differ");
            }
        }
        assertThat(mismatches).isEmpty();
    }

    static int[] packed(byte[] rgb) {
        int[] pixels = new int[rgb.length / 3];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (rgb[3 * i] & 0xff) << 16 | (rgb[3 * i + 1] & 0xff) << 8 | (rgb[3 * i + 2] & 0xff);
        }
        return pixels;
    }
}
