package io.inceptionserve.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsProperties;
import org.springframework.boot.micrometer.metrics.autoconfigure.PropertiesMeterFilter;

/**
 * Latency is published as histograms only. Prometheus' registry publishes a timer either as a
 * histogram or as a summary with per-pod quantiles, never both; the documented properties switch
 * to the summary through Spring Boot's own meter filter, which is what they configure.
 */
class PercentilesOptInTest {

    @Test
    void quantilesOnlyWhenConfiguredInsteadOfTheHistogram() {
        String histogram = scrapeAfterOneRequest(new MetricsProperties());
        assertThat(histogram).doesNotContain("quantile=").contains("inception_requests_seconds_bucket");

        // management.metrics.distribution.percentiles-histogram.inception=false
        // management.metrics.distribution.percentiles.inception=0.5,0.99
        MetricsProperties optedIn = new MetricsProperties();
        optedIn.getDistribution().getPercentilesHistogram().put("inception", false);
        optedIn.getDistribution().getPercentiles().put("inception", new double[] {0.5, 0.99});
        assertThat(scrapeAfterOneRequest(optedIn))
                .containsPattern("inception_requests_seconds\\{[^}]*quantile=\"0.99\"")
                .doesNotContain("inception_requests_seconds_bucket");
    }

    private static String scrapeAfterOneRequest(MetricsProperties properties) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(new PropertiesMeterFilter(properties));
        InferenceMetrics metrics = new InferenceMetrics(registry);
        metrics.start("m").end(InferenceMetrics.Outcome.SUCCESS, 1);
        assertThat(metrics.throughput().get("m").latencyMs()).containsKeys("p50", "p99");
        return registry.scrape();
    }
}
