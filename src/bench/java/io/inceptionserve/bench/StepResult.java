package io.inceptionserve.bench;

import io.inceptionserve.api.Classification;
import io.inceptionserve.api.Classification.ImageResult;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import tools.jackson.databind.json.JsonMapper;

/**
 * The figures of one load step against one server.
 *
 * @param system which server: {@code inception-serve} or the Python reference
 * @param model the model asked for
 * @param concurrency clients sending at once
 * @param answered successful answers within the window
 * @param imagesPerSecond successful answers per second of the window (one image each)
 * @param p50Ms median latency of the successful answers
 * @param errors failed requests within the window: HTTP status or exception → count
 * @param timings inception-serve's per-image timings from its answers; {@code null} for the peer
 * @param cpu CPU use during the step, the server's and load generator's versus other work
 */
record StepResult(
        String system,
        String model,
        int concurrency,
        int answered,
        double imagesPerSecond,
        double p50Ms,
        double p95Ms,
        double p99Ms,
        Map<String, Long> errors,
        ServiceTimings timings,
        CpuAccounting.Usage cpu) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * Mean per-image timings reported by inception-serve, and what they add up to.
     *
     * @param latencyMs mean request latency seen by the client
     * @param queueMs mean wait in the model's queue
     * @param preprocessMs mean decode and preparation
     * @param forwardMs mean forward pass of the batch the image rode in
     * @param meanBatch mean size of that batch
     * @param engineBusy fraction of the window the engine spent in forward passes
     * @param engineImagesPerSecond images per second of forward-pass time: the engine's own pace under this load
     */
    record ServiceTimings(
            double latencyMs,
            double queueMs,
            double preprocessMs,
            double forwardMs,
            double meanBatch,
            double engineBusy,
            double engineImagesPerSecond) {

        /** Client latency not spent in the queue, preprocessing or the forward pass: HTTP, parsing, hand-offs. */
        double otherMs() {
            return latencyMs - queueMs - preprocessMs - forwardMs;
        }
    }

    int errorCount() {
        return errors.values().stream().mapToInt(Long::intValue).sum();
    }

    static StepResult of(
            String system,
            String model,
            int concurrency,
            ClosedLoopLoad.Outcome outcome,
            boolean parseTimings,
            CpuAccounting.Usage cpu) {
        List<ClosedLoopLoad.Sample> ok =
                outcome.samples().stream().filter(ClosedLoopLoad.Sample::ok).toList();
        long[] latencies = ok.stream()
                .mapToLong(ClosedLoopLoad.Sample::latencyNanos)
                .sorted()
                .toArray();
        Map<String, Long> errors = outcome.samples().stream()
                .filter(sample -> !sample.ok())
                .collect(Collectors.groupingBy(StepResult::describeError, TreeMap::new, Collectors.counting()));
        double windowSeconds = outcome.windowNanos() / 1e9;
        return new StepResult(
                system,
                model,
                concurrency,
                ok.size(),
                ok.size() / windowSeconds,
                percentileMs(latencies, 0.50),
                percentileMs(latencies, 0.95),
                percentileMs(latencies, 0.99),
                errors,
                parseTimings && !ok.isEmpty() ? timings(ok, latencies, windowSeconds) : null,
                cpu);
    }

    private static String describeError(ClosedLoopLoad.Sample sample) {
        return sample.status() == 0 ? sample.error() : "HTTP " + sample.status();
    }

    /** Nearest-rank percentile of sorted latencies, in milliseconds; NaN when there are none. */
    private static double percentileMs(long[] sortedNanos, double quantile) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(quantile * sortedNanos.length);
        return sortedNanos[Math.max(0, rank - 1)] / 1e6;
    }

    private static ServiceTimings timings(List<ClosedLoopLoad.Sample> ok, long[] latencies, double windowSeconds) {
        List<ImageResult> images = ok.stream()
                .map(sample -> JSON.readValue(sample.body(), Classification.class))
                .flatMap(answer -> answer.images().stream())
                .toList();
        // Each image carries its whole batch's forward time; a batch's share per image is time / size.
        double forwardSeconds = images.stream()
                        .mapToDouble(i -> i.inferenceMs() / i.batchSize())
                        .sum()
                / 1e3;
        return new ServiceTimings(
                Arrays.stream(latencies).average().orElse(Double.NaN) / 1e6,
                mean(images, ImageResult::queueMs),
                mean(images, ImageResult::preprocessMs),
                mean(images, ImageResult::inferenceMs),
                mean(images, i -> (double) i.batchSize()),
                forwardSeconds / windowSeconds,
                images.size() / forwardSeconds);
    }

    private static double mean(List<ImageResult> images, Function<ImageResult, Double> field) {
        return images.stream().mapToDouble(field::apply).average().orElse(Double.NaN);
    }
}
