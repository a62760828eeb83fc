package io.inceptionserve.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** With a limit, a many-class model's prediction series stop growing at that many classes. */
class PredictionClassLimitTest {

    @Test
    void classesBeyondTheLimitCountAsOther() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InferenceMetrics metrics = new InferenceMetrics(registry, new ObservabilityProperties(2));

        for (String label : new String[] {"cat", "dog", "cat", "fox", "owl", "dog"}) {
            metrics.recordPrediction("m", label, 0.5);
        }

        Map<String, Double> counts = new TreeMap<>();
        registry.find("inception.predictions")
                .counters()
                .forEach(counter -> counts.put(counter.getId().getTag("class"), counter.count()));
        assertThat(counts).isEqualTo(Map.of("cat", 2.0, "dog", 2.0, ObservabilityProperties.OTHER_CLASSES, 2.0));
        assertThat(registry.find("inception.prediction.confidence").summary().count())
                .isEqualTo(6);
    }

    @Test
    void withoutALimitEveryClassHasItsSeries() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InferenceMetrics metrics = new InferenceMetrics(registry);

        for (int i = 0; i < 50; i++) {
            metrics.recordPrediction("m", "class-" + i, 0.9);
        }

        assertThat(registry.find("inception.predictions").counters()).hasSize(50);
        assertThat(registry.find("inception.predictions").counters())
                .extracting(Counter::count)
                .containsOnly(1.0);
    }
}
