package io.inceptionserve.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Component;

/**
 * The service's per-model meters. Names share the {@code inception.} prefix and the
 * {@code model} tag so one dashboard query covers every model.
 */
@Component
public class InferenceMetrics {

    private static final double[] PERCENTILES = {0.5, 0.95, 0.99};

    private final MeterRegistry registry;
    private final Map<String, ModelMeters> byModel = new ConcurrentHashMap<>();

    public InferenceMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** How a classification request ended, as the {@code outcome} tag. */
    public enum Outcome {
        SUCCESS,
        CLIENT_ERROR,
        UNAVAILABLE,
        SERVER_ERROR;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Marks a request as being computed; the returned handle ends it. */
    public InFlight start(String model) {
        ModelMeters meters = meters(model);
        meters.inFlight.incrementAndGet();
        return new InFlight(meters, System.nanoTime());
    }

    public void recordPreprocess(String model, long nanos) {
        meters(model).preprocess.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One forward pass: how many images it held and how long it took. */
    public void recordBatch(String model, String device, int batchSize, long inferenceNanos) {
        meters(model).batchSize.record(batchSize);
        Timer.builder("inception.inference")
                .description("Forward pass of one batch on the engine")
                .tags("model", model, "device", device)
                .publishPercentiles(PERCENTILES)
                .publishPercentileHistogram()
                .register(registry)
                .record(inferenceNanos, TimeUnit.NANOSECONDS);
    }

    /** How long one image waited in the queue before its forward pass started. */
    public void recordQueueWait(String model, long nanos) {
        meters(model).queueWait.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** An image answered without computing it because its deadline passed in the queue. */
    public void recordExpired(String model) {
        meters(model).rejected("deadline").increment();
    }

    /** An image dropped before its forward pass because its request was abandoned (the client went away). */
    public void recordCancelled(String model) {
        meters(model).rejected("cancelled").increment();
    }

    /** A request refused at once because the model's queue was full. */
    public void recordQueueFull(String model) {
        meters(model).rejected("queue_full").increment();
    }

    /** Exposes the number of images waiting in a model's queue. */
    public void registerQueue(String model, java.util.function.IntSupplier depth) {
        io.micrometer.core.instrument.Gauge.builder("inception.queue.size", depth::getAsInt)
                .description("Images waiting for a forward pass")
                .tag("model", model)
                .register(registry);
    }

    /** Per model: throughput over the last minute and latency percentiles, for the actuator. */
    public Map<String, ModelThroughput> throughput() {
        Map<String, ModelThroughput> result = new java.util.TreeMap<>();
        byModel.forEach((model, meters) -> result.put(model, meters.throughput()));
        return result;
    }

    private ModelMeters meters(String model) {
        return byModel.computeIfAbsent(model, name -> new ModelMeters(registry, name));
    }

    /** An in-flight request; {@link #end} records it exactly once. */
    public static final class InFlight {

        private final ModelMeters meters;
        private final long startNanos;
        private boolean ended;

        private InFlight(ModelMeters meters, long startNanos) {
            this.meters = meters;
            this.startNanos = startNanos;
        }

        public void end(Outcome outcome, int images) {
            if (ended) {
                return;
            }
            ended = true;
            meters.inFlight.decrementAndGet();
            meters.request(outcome).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
            meters.requestsWindow.add(1);
            if (outcome == Outcome.SUCCESS) {
                meters.images.increment(images);
                meters.imagesWindow.add(images);
            }
        }
    }

    /**
     * @param requestsPerSecond requests answered per second over the last minute
     * @param imagesPerSecond images classified per second over the last minute
     * @param inFlight requests being computed now
     * @param latencyMs successful request latency percentiles ("p50", "p95", "p99") in ms
     * @param inferenceMs forward-pass latency percentiles in ms, over all devices
     */
    public record ModelThroughput(
            double requestsPerSecond,
            double imagesPerSecond,
            int inFlight,
            Map<String, Double> latencyMs,
            Map<String, Double> inferenceMs) {}

    private static final class ModelMeters {

        private final MeterRegistry registry;
        private final String model;
        private final AtomicInteger inFlight = new AtomicInteger();
        private final Map<Outcome, Timer> requests = new ConcurrentHashMap<>();
        private final Counter images;
        private final Timer preprocess;
        private final Timer queueWait;
        private final DistributionSummary batchSize;
        private final ThroughputWindow requestsWindow = new ThroughputWindow(System::currentTimeMillis);
        private final ThroughputWindow imagesWindow = new ThroughputWindow(System::currentTimeMillis);

        ModelMeters(MeterRegistry registry, String model) {
            this.registry = registry;
            this.model = model;
            registry.gauge(
                    "inception.requests.inflight", io.micrometer.core.instrument.Tags.of("model", model), inFlight);
            images = Counter.builder("inception.images")
                    .description("Images classified")
                    .tag("model", model)
                    .register(registry);
            preprocess = latencyTimer("inception.preprocess", "Decoding and preparing one image");
            queueWait = latencyTimer("inception.queue.wait", "Wait in the queue before an image's forward pass");
            batchSize = DistributionSummary.builder("inception.batch.size")
                    .description("Images per forward pass")
                    .tag("model", model)
                    .publishPercentiles(PERCENTILES)
                    .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                    .register(registry);
        }

        private Timer latencyTimer(String name, String description) {
            return Timer.builder(name)
                    .description(description)
                    .tag("model", model)
                    .publishPercentiles(PERCENTILES)
                    .publishPercentileHistogram()
                    .register(registry);
        }

        Counter rejected(String reason) {
            return Counter.builder("inception.rejected")
                    .description("Images or requests refused without being computed")
                    .tags("model", model, "reason", reason)
                    .register(registry);
        }

        Timer request(Outcome outcome) {
            return requests.computeIfAbsent(
                    outcome,
                    o -> Timer.builder("inception.requests")
                            .description("Classification requests, from arrival to answer")
                            .tags("model", model, "outcome", o.tag())
                            .publishPercentiles(PERCENTILES)
                            .publishPercentileHistogram()
                            .minimumExpectedValue(Duration.ofMillis(1))
                            .maximumExpectedValue(Duration.ofSeconds(30))
                            .register(registry));
        }

        ModelThroughput throughput() {
            Map<String, Double> inference = new java.util.LinkedHashMap<>();
            // Devices share percentiles poorly; report the slowest device's figure per percentile.
            registry.find("inception.inference")
                    .tag("model", model)
                    .timers()
                    .forEach(timer ->
                            percentilesMs(timer.takeSnapshot()).forEach((k, v) -> inference.merge(k, v, Math::max)));
            return new ModelThroughput(
                    requestsWindow.perSecond(),
                    imagesWindow.perSecond(),
                    inFlight.get(),
                    percentilesMs(request(Outcome.SUCCESS).takeSnapshot()),
                    inference);
        }

        private static Map<String, Double> percentilesMs(HistogramSnapshot snapshot) {
            Map<String, Double> result = new java.util.LinkedHashMap<>();
            for (ValueAtPercentile p : snapshot.percentileValues()) {
                result.put("p" + Math.round(p.percentile() * 100), p.value(TimeUnit.MILLISECONDS));
            }
            return result;
        }
    }
}
