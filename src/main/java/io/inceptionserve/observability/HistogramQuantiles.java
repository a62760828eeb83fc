package io.inceptionserve.observability;

import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Latency percentiles estimated from a timer's cumulative histogram by linear interpolation within
 * the bucket, as Prometheus' {@code histogram_quantile} does, so the actuator needs no per-pod
 * percentiles.
 */
final class HistogramQuantiles {

    private static final double[] QUANTILES = {0.5, 0.95, 0.99};

    private HistogramQuantiles() {}

    /**
     * "p50", "p95", "p99" in milliseconds; empty when nothing was recorded. A timer configured
     * with percentiles instead of a histogram gives its own.
     */
    static Map<String, Double> millis(HistogramSnapshot snapshot) {
        Map<String, Double> result = new LinkedHashMap<>();
        for (ValueAtPercentile p : snapshot.percentileValues()) {
            result.put("p" + Math.round(p.percentile() * 100), p.value(TimeUnit.MILLISECONDS));
        }
        if (!result.isEmpty()) {
            return result;
        }
        CountAtBucket[] buckets = snapshot.histogramCounts();
        long total = snapshot.count();
        if (total == 0 || buckets.length == 0) {
            return result;
        }
        for (double q : QUANTILES) {
            result.put(
                    "p" + Math.round(q * 100),
                    quantileNanos(buckets, total, q, snapshot.max(TimeUnit.NANOSECONDS)) / 1e6);
        }
        return result;
    }

    private static double quantileNanos(CountAtBucket[] buckets, long total, double q, double maxNanos) {
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (CountAtBucket bucket : buckets) {
            double upperBound = bucket.bucket(TimeUnit.NANOSECONDS);
            if (bucket.count() >= rank) {
                double inBucket = bucket.count() - lowerCount;
                double fraction = inBucket == 0 ? 1 : (rank - lowerCount) / inBucket;
                return lowerBound + (upperBound - lowerBound) * fraction;
            }
            lowerBound = upperBound;
            lowerCount = bucket.count();
        }
        // Beyond the last bucket: the largest value seen recently is the best bound there is.
        return Math.max(lowerBound, maxNanos);
    }
}
