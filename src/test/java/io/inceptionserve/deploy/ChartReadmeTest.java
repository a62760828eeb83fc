package io.inceptionserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The chart README's table of values is the schema's, as ValuesTable generates it. */
class ChartReadmeTest {

    @Test
    void theValuesTableIsGeneratedFromTheSchema() throws Exception {
        String expected = ValuesTable.readme();
        if (Boolean.getBoolean("chart.readme.write")) {
            Files.writeString(ValuesTable.README, expected);
        }
        assertThat(Files.readString(ValuesTable.README))
                .as("regenerate with ./mvnw test -Dtest=ChartReadmeTest -Dchart.readme.write=true")
                .isEqualTo(expected);
        assertThat(ValuesTable.table()).contains("| `service.type` | string | `ClusterIP` |");
    }
}
