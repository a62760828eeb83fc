package io.inceptionserve.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The service's per-model meters. Names share the {@code inception.} prefix and the
 * {@code model} tag so one dashboard query covers every model. Latencies are published as
 * histograms only, which Prometheus aggregates across pods; per-pod percentiles instead are a
 * matter of {@code management.metrics.distribution.*} (docs/metrics.md, which describes every
 * meter).
 */
@Component
public class InferenceMetrics {

    /**
     * The {@code model} tag of requests naming a model that is not served: client-chosen names
     * would make the series unbounded, and model names cannot start with an underscore.
     */
    public static final String UNKNOWN_MODEL = "_unknown";

    /** The {@code device} tag of a model whose devices are not known yet, or never were. */
    public static final String NO_DEVICE = "none";

    private static final String QUEUE_FULL = "queue_full";
    private static final String DEADLINE = "deadline";
    private static final String CANCELLED = "cancelled";

    /** Top-1 confidence buckets: fine near 1, where a trained model's answers mostly fall. */
    private static final double[] CONFIDENCE_BUCKETS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99};

    private final MeterRegistry registry;
    private final ObservabilityProperties properties;
    private final Map<String, ModelMeters> byModel = new ConcurrentHashMap<>();
    private final Map<String, Readiness> readiness = new ConcurrentHashMap<>();

    /** Meters with the default settings, for a registry outside Spring. */
    public InferenceMetrics(MeterRegistry registry) {
        this(registry, new ObservabilityProperties(0));
    }

    @Autowired
    public InferenceMetrics(MeterRegistry registry, ObservabilityProperties properties) {
        this.registry = registry;
        this.properties = properties;
    }

    /** How a classification request ended, as the {@code outcome} tag. */
    public enum Outcome {
        SUCCESS,
        CLIENT_ERROR,
        /** The model named is not served (404). */
        NOT_FOUND,
        /** Loading, failed, overloaded or shutting down (503). */
        UNAVAILABLE,
        SERVER_ERROR;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Marks a request as being computed; the returned handle ends it. */
    public InFlight start(String model) {
        ModelMeters meters = meters(model);
        meters.inFlight.incrementAndGet();
        return new InFlight(meters, System.nanoTime());
    }

    public void recordPreprocess(String model, long nanos) {
        preprocessTimer(model).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One forward pass: how many images it held and how long it took. */
    public void recordBatch(String model, String device, int batchSize, long inferenceNanos) {
        batchSizeSummary(model).record(batchSize);
        Timer.builder("inception.inference")
                .description("Forward pass of one batch on the engine")
                .tags("model", model, "device", device)
                .publishPercentileHistogram()
                .register(registry)
                .record(inferenceNanos, TimeUnit.NANOSECONDS);
    }

    /** How long one image waited in the queue before its forward pass started. */
    public void recordQueueWait(String model, long nanos) {
        queueWaitTimer(model).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** An image answered without computing it because its deadline passed in the queue. */
    public void recordExpired(String model) {
        recordRejectedImages(model, DEADLINE, 1);
    }

    /** A request refused at once because the model's queue had no room for its images. */
    public void recordQueueFull(String model, int images) {
        recordRejectedRequest(model, QUEUE_FULL);
        recordRejectedImages(model, QUEUE_FULL, images);
    }

    /** An image dropped before its forward pass because its request was abandoned. */
    public void recordCancelled(String model) {
        recordRejectedImages(model, CANCELLED, 1);
    }

    /** A whole request refused without computing any of its images, for {@code reason}. */
    public void recordRejectedRequest(String model, String reason) {
        recordRejectedRequests(model, reason, 1);
    }

    private void recordRejectedRequests(String model, String reason, int requests) {
        rejections("inception.rejected.requests", "Requests refused as a whole without computing them", model, reason)
                .increment(requests);
    }

    /** Images answered without being computed, for {@code reason}. */
    public void recordRejectedImages(String model, String reason, int images) {
        rejections("inception.rejected.images", "Images answered without being computed", model, reason)
                .increment(images);
    }

    private Counter rejections(String name, String description, String model, String reason) {
        return Counter.builder(name)
                .description(description)
                .tags("model", model, "reason", reason)
                .register(registry);
    }

    /**
     * One image's answer: its top-1 class and that class's probability. Classes beyond
     * {@code inception.metrics.prediction-classes} distinct ones per model count as
     * {@value ObservabilityProperties#OTHER_CLASSES}.
     */
    public void recordPrediction(String model, String label, double confidence) {
        Counter.builder("inception.predictions")
                .description("Images by top-1 class")
                .tags("model", model, "class", meters(model).classTag(label))
                .register(registry)
                .increment();
        DistributionSummary.builder("inception.prediction.confidence")
                .description("Probability of each image's top-1 class")
                .tag("model", model)
                .serviceLevelObjectives(CONFIDENCE_BUCKETS)
                .maximumExpectedValue(1.0)
                .register(registry)
                .record(confidence);
    }

    /** Exposes the number of images waiting in a model's queue, and how many it may hold. */
    public void registerQueue(String model, IntSupplier depth, int capacity) {
        Gauge.builder("inception.queue.size", depth::getAsInt)
                .description("Images waiting for a forward pass")
                .tag("model", model)
                .register(registry);
        Gauge.builder("inception.queue.capacity", () -> capacity)
                .description("Images the queue holds before requests are refused")
                .tag("model", model)
                .register(registry);
    }

    /**
     * Publishes whether a model serves: 1 per device it serves on, 0 while it loads or after it
     * failed, on the devices it was loading on ({@value #NO_DEVICE} when none was chosen yet).
     */
    public void modelReadiness(String model, Collection<String> devices, boolean ready) {
        meters(model);
        readiness
                .computeIfAbsent(model, Readiness::new)
                .update(devices.isEmpty() ? List.of(NO_DEVICE) : devices, ready);
    }

    /** How long a model took from the start of its loading to ready, warm-up included. */
    public void modelLoaded(String model, Duration took) {
        double seconds = took.toNanos() / 1e9;
        TimeGauge.builder("inception.model.load", () -> seconds, TimeUnit.SECONDS)
                .description("Time the model took to load and warm up")
                .tag("model", model)
                .register(registry);
    }

    /** Per model: throughput over the last minute and latency percentiles, for the actuator. */
    public Map<String, ModelThroughput> throughput() {
        Map<String, ModelThroughput> result = new TreeMap<>();
        byModel.forEach((model, meters) -> result.put(model, meters.throughput()));
        return result;
    }

    private ModelMeters meters(String model) {
        return byModel.computeIfAbsent(model, name -> {
            if (!name.equals(UNKNOWN_MODEL)) {
                // Registered at zero before the first image, so that rates see the first one.
                preprocessTimer(name);
                queueWaitTimer(name);
                batchSizeSummary(name);
                // Rejections too, so that an alert's rate() sees the first one.
                recordRejectedRequests(name, QUEUE_FULL, 0);
                recordRejectedImages(name, QUEUE_FULL, 0);
                recordRejectedImages(name, DEADLINE, 0);
                recordRejectedImages(name, CANCELLED, 0);
            }
            return new ModelMeters(registry, name, properties.predictionClasses());
        });
    }

    private Timer preprocessTimer(String model) {
        return latencyTimer("inception.preprocess", "Decoding and preparing one image", model);
    }

    private Timer queueWaitTimer(String model) {
        return latencyTimer("inception.queue.wait", "Wait in the queue before an image's forward pass", model);
    }

    private DistributionSummary batchSizeSummary(String model) {
        return DistributionSummary.builder("inception.batch.size")
                .description("Images per forward pass")
                .tag("model", model)
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                .register(registry);
    }

    private Timer latencyTimer(String name, String description, String model) {
        return Timer.builder(name)
                .description(description)
                .tag("model", model)
                .publishPercentileHistogram()
                .register(registry);
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
                meters.images().increment(images);
                meters.imagesWindow.add(images);
            }
        }
    }

    /**
     * @param requestsPerSecond requests answered per second over the last minute
     * @param imagesPerSecond images classified per second over the last minute
     * @param inFlight requests being computed now
     * @param latencyMs successful request latency percentiles ("p50", "p95", "p99") in ms,
     *     estimated from the histogram as Prometheus' {@code histogram_quantile} does
     * @param inferenceMs forward-pass latency percentiles in ms, the slowest device's per percentile
     */
    public record ModelThroughput(
            double requestsPerSecond,
            double imagesPerSecond,
            int inFlight,
            Map<String, Double> latencyMs,
            Map<String, Double> inferenceMs) {}

    /** The {@code inception.model.ready} gauges of one model, one per device. */
    private final class Readiness {

        private final String model;
        private final AtomicInteger ready = new AtomicInteger();
        private final Map<String, Gauge> gauges = new LinkedHashMap<>();

        Readiness(String model) {
            this.model = model;
        }

        synchronized void update(Collection<String> devices, boolean isReady) {
            ready.set(isReady ? 1 : 0);
            gauges.entrySet().removeIf(entry -> {
                boolean stale = !devices.contains(entry.getKey());
                if (stale) {
                    registry.remove(entry.getValue());
                }
                return stale;
            });
            for (String device : devices) {
                gauges.computeIfAbsent(
                        device,
                        d -> Gauge.builder("inception.model.ready", ready, AtomicInteger::get)
                                .description(
                                        "1 when the model serves on the device, 0 while it loads or after it failed")
                                .tags("model", model, "device", d)
                                .register(registry));
            }
        }
    }

    private static final class ModelMeters {

        private final MeterRegistry registry;
        private final String model;
        private final int predictionClasses;
        private final AtomicInteger inFlight = new AtomicInteger();
        private final Map<Outcome, Timer> requests = new ConcurrentHashMap<>();
        private final Map<String, Boolean> tracedClasses = new ConcurrentHashMap<>();
        private final ThroughputWindow requestsWindow = new ThroughputWindow(System::currentTimeMillis);
        private final ThroughputWindow imagesWindow = new ThroughputWindow(System::currentTimeMillis);

        ModelMeters(MeterRegistry registry, String model, int predictionClasses) {
            this.registry = registry;
            this.model = model;
            this.predictionClasses = predictionClasses;
            registry.gauge("inception.requests.inflight", Tags.of("model", model), inFlight);
        }

        Counter images() {
            return Counter.builder("inception.images")
                    .description("Images classified")
                    .tag("model", model)
                    .register(registry);
        }

        /** The label itself while the model has fewer distinct classes than the limit, else "other". */
        String classTag(String label) {
            if (predictionClasses == 0 || tracedClasses.containsKey(label)) {
                return label;
            }
            synchronized (tracedClasses) {
                if (tracedClasses.size() < predictionClasses) {
                    tracedClasses.put(label, Boolean.TRUE);
                    return label;
                }
            }
            return tracedClasses.containsKey(label) ? label : ObservabilityProperties.OTHER_CLASSES;
        }

        Timer request(Outcome outcome) {
            return requests.computeIfAbsent(
                    outcome,
                    o -> Timer.builder("inception.requests")
                            .description("Classification requests, from arrival to answer")
                            .tags("model", model, "outcome", o.tag())
                            .publishPercentileHistogram()
                            .minimumExpectedValue(Duration.ofMillis(1))
                            .maximumExpectedValue(Duration.ofSeconds(30))
                            .register(registry));
        }

        ModelThroughput throughput() {
            Map<String, Double> inference = new LinkedHashMap<>();
            // Devices share percentiles poorly; report the slowest device's figure per percentile.
            registry.find("inception.inference")
                    .tag("model", model)
                    .timers()
                    .forEach(timer -> HistogramQuantiles.millis(timer.takeSnapshot())
                            .forEach((k, v) -> inference.merge(k, v, Math::max)));
            return new ModelThroughput(
                    requestsWindow.perSecond(),
                    imagesWindow.perSecond(),
                    inFlight.get(),
                    HistogramQuantiles.millis(request(Outcome.SUCCESS).takeSnapshot()),
                    inference);
        }
    }
}
