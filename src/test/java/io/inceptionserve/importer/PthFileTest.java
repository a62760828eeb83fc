package io.inceptionserve.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class PthFileTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"tensors.pth", "tensors-legacy.pth"})
    void readsEveryLayoutAndTypeAsTorchDoes(String file) throws IOException {
        JsonNode expected = JsonMapper.builder()
                .build()
                .readTree(TorchReference.tensors().resolve("tensors.json").toFile());

        Map<String, TorchTensor> tensors =
                PthFile.readStateDict(TorchReference.tensors().resolve(file));

        assertThat(tensors.keySet()).containsExactlyInAnyOrderElementsOf(expected.propertyNames());
        for (Map.Entry<String, TorchTensor> entry : tensors.entrySet()) {
            JsonNode reference = expected.get(entry.getKey());
            TorchTensor tensor = entry.getValue();
            assertThat(tensor.shape())
                    .as(entry.getKey())
                    .containsExactly(reference
                            .get("shape")
                            .valueStream()
                            .mapToLong(JsonNode::asLong)
                            .toArray());
            assertThat(tensor.type().dtype())
                    .as(entry.getKey())
                    .isEqualTo(reference.get("dtype").asString());
            if (tensor.type().isFloatingPoint()) {
                float[] values = new float[reference.get("values").size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = reference.get("values").get(i).floatValue();
                }
                // Exact: every stored type widens to float or rounds to it the way torch does.
                assertThat(tensor.toFloats()).as(entry.getKey()).containsExactly(values);
            }
        }
    }

    @Test
    void aFileThatIsNoCheckpointIsRefused() throws IOException {
        Path image = Path.of("src/test/resources/images/pullover.jpg");

        assertThatThrownBy(() -> PthFile.readStateDict(image))
                .isInstanceOf(ImportException.class)
                .hasMessageContaining("pullover.jpg")
                .hasMessageContaining("not a torch.save file");
    }

    @Test
    void aZipWithoutDataPickleIsRefused() throws IOException {
        Path zip = dir.resolve("other.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry("other/readme.txt"));
            out.write("not a checkpoint".getBytes());
        }

        assertThatThrownBy(() -> PthFile.readStateDict(zip))
                .isInstanceOf(ImportException.class)
                .hasMessageContaining("without <archive>/data.pkl");
    }

    @Test
    void aSavedModuleInsteadOfItsStateDictIsRefusedByName() throws IOException {
        Path module = TorchReference.tensors().resolve("module.pth");

        assertThatThrownBy(() -> PthFile.readStateDict(module))
                .isInstanceOf(ImportException.class)
                .hasMessageContaining("torch.nn.modules.linear.Linear")
                .hasMessageContaining("save model.state_dict()");
    }

    @Test
    void halfPrecisionDecodesExactly() {
        // 1, −2, 65504 (largest), 2^−24 (smallest subnormal), −0, infinity, 0.333251953125
        List<Short> halves = List.of(
                (short) 0x3c00, (short) 0xc000, (short) 0x7bff, (short) 0x0001, (short) 0x8000, (short) 0x7c00, (short)
                        0x3555);

        assertThat(halves.stream().map(StorageType::halfToFloat))
                .containsExactly(1f, -2f, 65504f, 0x1p-24f, -0f, Float.POSITIVE_INFINITY, 0.333251953125f);
    }
}
