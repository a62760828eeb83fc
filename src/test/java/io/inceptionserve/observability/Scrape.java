package io.inceptionserve.observability;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One read of {@code /actuator/prometheus}: every sample by its series, labels as printed. */
record Scrape(Map<String, Double> samples) {

    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)");

    static Scrape of(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        Matcher m = SAMPLE.matcher(text);
        while (m.find()) {
            samples.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return new Scrape(samples);
    }

    /** The sum of every sample of {@code name} whose labels include each of {@code labels}. */
    double sum(String name, String... labels) {
        double total = 0;
        for (Map.Entry<String, Double> sample : samples.entrySet()) {
            if (matches(sample.getKey(), name, labels)) {
                total += sample.getValue();
            }
        }
        return total;
    }

    /** Whether some sample of {@code name} has each of {@code labels}. */
    boolean has(String name, String... labels) {
        return samples.keySet().stream().anyMatch(series -> matches(series, name, labels));
    }

    /** The value of {@code label} in each series of {@code name}, with its value. */
    Map<String, Double> byLabel(String name, String label, String... labels) {
        Map<String, Double> result = new LinkedHashMap<>();
        Pattern value = Pattern.compile("[{,]" + label + "=\"((?:[^\"\\\\]|\\\\.)*)\"");
        samples.forEach((series, sample) -> {
            Matcher m = value.matcher(series);
            if (matches(series, name, labels) && m.find()) {
                result.merge(m.group(1), sample, Double::sum);
            }
        });
        return result;
    }

    private static boolean matches(String series, String name, String... labels) {
        if (!(series.equals(name) || series.startsWith(name + "{"))) {
            return false;
        }
        for (String label : labels) {
            if (!series.contains(label)) {
                return false;
            }
        }
        return true;
    }
}
