package io.inceptionserve.oip;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.inceptionserve.serving.ServedModel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * Triton's statistics extension ({@code GET /v2/models/{m}/stats}) read from the meters the
 * service keeps anyway ({@code inception.requests}, {@code inception.images},
 * {@code inception.queue.wait}, {@code inception.preprocess}, {@code inception.inference}), so the
 * figures agree with {@code /actuator/prometheus}. Counts and durations are cumulative since start.
 */
@Component
class TritonStatistics {

    private final MeterRegistry meters;

    TritonStatistics(MeterRegistry meters) {
        this.meters = meters;
    }

    /** {@code $stats_model_response}. */
    record Response(@JsonProperty("model_stats") List<ModelStats> modelStats) {}

    /**
     * @param lastInference Triton's milliseconds since the epoch of the last inference; 0, as the
     *     service does not keep it
     * @param inferenceCount images classified successfully
     * @param executionCount forward passes run (each holding a batch of images)
     */
    record ModelStats(
            String name,
            String version,
            @JsonProperty("last_inference") long lastInference,
            @JsonProperty("inference_count") long inferenceCount,
            @JsonProperty("execution_count") long executionCount,
            @JsonProperty("inference_stats") InferenceStats inferenceStats,
            @JsonProperty("batch_stats") List<Object> batchStats) {}

    /**
     * @param success requests answered, from arrival to answer
     * @param fail requests refused or failed after reaching the model
     * @param queue images' waits in the queue
     * @param computeInput decoding and preparing images
     * @param computeInfer forward passes
     * @param computeOutput not measured apart: part of {@code computeInfer}
     */
    record InferenceStats(
            Duration success,
            Duration fail,
            Duration queue,
            @JsonProperty("compute_input") Duration computeInput,
            @JsonProperty("compute_infer") Duration computeInfer,
            @JsonProperty("compute_output") Duration computeOutput,
            @JsonProperty("cache_hit") Duration cacheHit,
            @JsonProperty("cache_miss") Duration cacheMiss) {}

    /** {@code $duration_stat}: how many, and their total nanoseconds. */
    record Duration(long count, long ns) {
        static final Duration NONE = new Duration(0, 0);

        static Duration of(Collection<Timer> timers) {
            long count = 0;
            double ns = 0;
            for (Timer timer : timers) {
                count += timer.count();
                ns += timer.totalTime(TimeUnit.NANOSECONDS);
            }
            return new Duration(count, Math.round(ns));
        }
    }

    /**
     * The statistics of each model, under the version it serves: the meters count a model's
     * versions together.
     */
    Response of(List<ServedModel> models) {
        return new Response(models.stream().map(this::model).toList());
    }

    private ModelStats model(ServedModel served) {
        String model = served.name();
        Collection<Timer> requests =
                meters.find("inception.requests").tag("model", model).timers();
        Duration success = Duration.of(requests.stream()
                .filter(t -> "success".equals(t.getId().getTag("outcome")))
                .toList());
        Duration fail = Duration.of(requests.stream()
                .filter(t -> !"success".equals(t.getId().getTag("outcome")))
                .toList());
        Duration infer = Duration.of(
                meters.find("inception.inference").tag("model", model).timers());
        Counter images = meters.find("inception.images").tag("model", model).counter();
        return new ModelStats(
                model,
                Long.toString(served.version()),
                0,
                images == null ? 0 : (long) images.count(),
                infer.count(),
                new InferenceStats(
                        success,
                        fail,
                        Duration.of(meters.find("inception.queue.wait")
                                .tag("model", model)
                                .timers()),
                        Duration.of(meters.find("inception.preprocess")
                                .tag("model", model)
                                .timers()),
                        infer,
                        Duration.NONE,
                        Duration.NONE,
                        Duration.NONE),
                List.of());
    }
}
