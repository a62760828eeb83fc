package io.inceptionserve.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The chart README's table of values, generated from values.schema.json (names, types,
 * descriptions) and values.yaml (defaults), so that no hand-kept copy can drift. Rewrite it with
 * {@code ./mvnw test -Dtest=ChartReadmeTest -Dchart.readme.write=true}.
 */
final class ValuesTable {

    static final Path README = RenderedChart.CHART.resolve("README.md");
    static final String START = "<!-- values table: generated from values.schema.json, do not edit -->";
    static final String END = "<!-- end of values table -->";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ValuesTable() {}

    /** The README as it should be: its own text, with the table between the markers regenerated. */
    static String readme() throws IOException {
        String text = Files.readString(README);
        int start = text.indexOf(START);
        int end = text.indexOf(END);
        if (start < 0 || end < start) {
            throw new IllegalStateException(README + " lacks the markers " + START + " … " + END);
        }
        return text.substring(0, start + START.length()) + "\n" + table() + text.substring(end);
    }

    static String table() throws IOException {
        JsonNode schema = JSON.readTree(Files.readString(RenderedChart.CHART.resolve("values.schema.json")));
        Map<String, Object> defaults = new Yaml().load(Files.readString(RenderedChart.CHART.resolve("values.yaml")));
        List<String> rows = new ArrayList<>();
        rows.add("| value | type | default | description |");
        rows.add("|---|---|---|---|");
        addRows(rows, "", schema, defaults);
        return String.join("\n", rows) + "\n";
    }

    @SuppressWarnings("unchecked")
    private static void addRows(List<String> rows, String prefix, JsonNode schema, Object defaults) {
        JsonNode properties = schema.path("properties");
        if (!properties.isEmpty() && !schema.path("additionalProperties").asBoolean(true)) {
            for (Map.Entry<String, JsonNode> property : properties.properties()) {
                Object value =
                        defaults instanceof Map<?, ?> map ? ((Map<String, Object>) map).get(property.getKey()) : null;
                addRows(rows, prefix + property.getKey() + ".", property.getValue(), value);
            }
            return;
        }
        rows.add("| `" + prefix.substring(0, prefix.length() - 1) + "` | " + type(schema) + " | " + cell(defaults)
                + " | " + schema.path("description").asString("") + enumeration(schema) + " |");
    }

    private static String type(JsonNode schema) {
        JsonNode type = schema.path("type");
        if (type.isArray()) {
            List<String> types = new ArrayList<>();
            type.forEach(t -> types.add(t.asString()));
            return String.join(" or ", types);
        }
        return type.asString("any");
    }

    private static String enumeration(JsonNode schema) {
        if (!schema.has("enum")) {
            return "";
        }
        List<String> choices = new ArrayList<>();
        schema.get("enum").forEach(choice -> choices.add("`" + choice.asString() + "`"));
        return ": " + String.join(", ", choices);
    }

    private static String cell(Object value) {
        if (value == null) {
            return "";
        }
        String text = value instanceof String s ? (s.isEmpty() ? "\"\"" : s) : JSON.writeValueAsString(value);
        return "`" + text.replace("|", "\\|") + "`";
    }
}
