package io.inceptionserve.config;

import io.inceptionserve.model.Precision;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The service's own settings, under {@code inception.*}.
 *
 * @param defaultModel model used when a request names none
 * @param models served models: name → location of the model directory (a Spring resource
 *     location such as {@code classpath:models/googlenet/} or {@code file:/models/mine/})
 * @param inference how models run
 * @param shutdown how the service leaves
 * @param reliability how the service protects itself from slow or heavy clients and transient
 *     start-up failures
 * @param modelRepository a folder of models, each a folder of numbered version folders, each a
 *     model directory; when set, the models served are the repository's and {@code models} is not
 *     used
 * @param modelControl whether models may be loaded and unloaded while the service runs: {@code
 *     none} (the repository extension's endpoints refuse), {@code explicit} (through them) or
 *     {@code poll} (the repository is read again every {@code modelRepositoryPoll})
 * @param modelRepositoryPoll how often {@code poll} reads the repository
 * @param versionPolicy per model of the repository: which versions to serve, {@code latest:<n>},
 *     {@code all} or {@code specific:<v>,<v>}; {@code latest:1} when not set
 * @param modelMemoryBudget native memory the served models' weights may take, estimated as their
 *     weights files' size times {@link #WEIGHTS_MEMORY_FACTOR}; a load beyond it is refused. 0
 *     admits every load
 */
@Validated
@ConfigurationProperties("inception")
public record InceptionProperties(
        @NotBlank String defaultModel,
        @NotEmpty Map<@Pattern(regexp = MODEL_NAME) String, @NotBlank String> models,
        @NotNull @Valid Inference inference,
        @NotNull @Valid Shutdown shutdown,
        @NotNull @Valid Reliability reliability,
        String modelRepository,
        @DefaultValue("none") @NotNull ModelControl modelControl,
        @DefaultValue("10s") @NotNull Duration modelRepositoryPoll,

        @DefaultValue @NotNull
        Map<@Pattern(regexp = MODEL_NAME) String, @Pattern(regexp = VERSION_POLICY) String> versionPolicy,

        @DefaultValue("0") @NotNull DataSize modelMemoryBudget) {

    /**
     * Model names appear in URLs and metrics tags, and name the model folders of a repository, never
     * anything else on the file system.
     */
    public static final String MODEL_NAME = "[a-z0-9][a-z0-9._-]{0,63}";

    /** A version policy as {@code inception.version-policy.<model>} writes it. */
    public static final String VERSION_POLICY =
            "all|latest(:[1-9][0-9]{0,3})?|specific:[1-9][0-9]{0,17}(,[1-9][0-9]{0,17})*";

    /**
     * Native memory a loaded model is estimated to take per byte of its weights file: the weights
     * as read, their inference form (BatchNorm folded, channels-last) and the forward passes'
     * activations at the default batch sizes. See docs/configuration.md.
     */
    public static final int WEIGHTS_MEMORY_FACTOR = 4;

    /** How models may change while the service runs, as Triton's {@code --model-control-mode}. */
    public enum ModelControl {
        NONE,
        EXPLICIT,
        POLL
    }

    /**
     * @param devices where models run: {@code auto} (every GPU if there is one, else the CPU),
     *     {@code cpu} or {@code gpu}
     * @param warmupIterations blank forward passes per predictor and batch size before a model
     *     reports ready
     * @param defaultTopK predictions returned per image when a request does not say
     * @param maxImagesPerRequest images accepted in one request
     * @param queueCapacity images that may wait for a forward pass per model; beyond it requests
     *     are refused at once with 503 and {@code Retry-After}
     * @param requestTimeout how long an image may wait in the queue before it is answered 503
     *     without being computed
     * @param maxImagePixels images whose header declares more pixels are refused before decoding
     * @param precision the number format models compute in: {@code auto} (default: what each
     *     model's manifest says, else bfloat16 on a CPU or GPU that computes it natively, float32
     *     otherwise), or {@code float32}, {@code bfloat16} or {@code float16} for every model
     * @param modelPrecision per-model overrides of {@code precision}: model name → precision
     * @param preprocessThreads threads decoding and preparing images, off the inference threads;
     *     0 means one per core
     * @param intraOpThreads threads libtorch splits one operator over on the CPU; 0 divides the
     *     cores among the CPU's forward threads
     * @param cpu batching on the CPU
     * @param gpu batching on each GPU
     */
    public record Inference(
            @NotNull DeviceMode devices,
            @Min(0) @Max(100) int warmupIterations,
            @Min(1) @Max(1000) int defaultTopK,
            @Min(1) @Max(256) int maxImagesPerRequest,
            @Min(1) int queueCapacity,
            @NotNull Duration requestTimeout,
            @Min(1) long maxImagePixels,
            @NotNull Precision precision,
            @DefaultValue @NotNull Map<@Pattern(regexp = MODEL_NAME) String, @NotNull Precision> modelPrecision,
            @Min(0) @Max(256) int preprocessThreads,
            @Min(0) @Max(256) int intraOpThreads,
            @NotNull @Valid Batching cpu,
            @NotNull @Valid Batching gpu) {

        /**
         * The precision asked for {@code model}: its override, else {@code precision} when set,
         * else what its manifest says ({@code manifestSetting}, {@code auto} when absent).
         */
        public Precision precisionOf(String model, Precision manifestSetting) {
            Precision configured = modelPrecision.getOrDefault(model, precision);
            return configured == Precision.AUTO ? manifestSetting : configured;
        }

        /** The batching settings for a device. */
        public Batching batching(boolean gpuDevice) {
            return gpuDevice ? gpu : cpu;
        }

        /**
         * Forward threads on one device: as configured, else on a GPU one per worker (so one's host
         * work overlaps another's kernels) and on a CPU two when it has the cores, so a batch can be
         * copied in or out while another computes.
         */
        public int forwardThreads(boolean gpuDevice, int cores) {
            Batching batching = batching(gpuDevice);
            if (batching.forwardThreads() > 0) {
                return batching.forwardThreads();
            }
            return gpuDevice ? batching.workers() : Math.min(2, cores);
        }

        /** libtorch's threads per operator on the CPU: as configured, else the cores shared among the forward threads. */
        public int intraOpThreads(int cores) {
            return intraOpThreads > 0 ? intraOpThreads : Math.max(1, cores / forwardThreads(false, cores));
        }
    }

    /**
     * How one device's workers batch requests: each worker takes up to {@code maxBatchSize}
     * queued images, waiting at most {@code maxBatchDelay} after the first for more, and runs them
     * in one forward pass.
     *
     * @param workers predictors (each with its own thread collecting batches) per model on one
     *     device
     * @param forwardThreads threads running the forward passes of every model on one device; 0
     *     means two on a CPU with two or more cores, else one
     * @param maxBatchSize images per forward pass at most
     * @param maxBatchDelay how long a worker holding fewer images waits for more
     */
    public record Batching(
            @Min(1) @Max(64) int workers,
            @Min(0) @Max(64) int forwardThreads,
            @Min(1) @Max(1024) int maxBatchSize,
            @NotNull Duration maxBatchDelay) {}

    /**
     * @param drainDelay on SIGTERM, how long readiness reports out of service while requests are
     *     still accepted, so load balancers stop sending before the server stops listening; 0 when
     *     something else does it (a Kubernetes preStop hook)
     */
    public record Shutdown(@NotNull Duration drainDelay) {}

    /**
     * @param warmupAttempts how often a model's load and warm-up is tried before it is declared
     *     FAILED; a broken artifact (manifest, weights) fails at once
     * @param warmupBackoff the wait before the second attempt, doubled before each further one
     * @param uploadRateGrace how long a request body may take before its rate is judged; a body
     *     not whole by the request's deadline is answered 408 whatever its rate
     * @param disconnectCheckInterval how often the connections of requests waiting for a forward
     *     pass are checked, so that a client that went away has its images dropped; 0 turns it off
     * @param uploadBufferBudget request bodies held in memory at once, counted as they arrive; an
     *     upload that finds it full is answered 503
     * @param maxParts parts a multipart body may have
     * @param maxPartHeaderSize bytes of headers one part may have (its name, file name, type)
     * @param decodePixelBudget pixels decoded at once across all requests, by the images' declared
     *     sizes; 0 sizes it from the maximum heap (a quarter of it at 12 bytes a pixel)
     * @param uploadMinRate bytes a second a request body must average once {@code
     *     uploadRateGrace} is over, or it is answered 408; 0 judges only by the deadline
     */
    public record Reliability(
            @Min(1) @Max(10) int warmupAttempts,
            @NotNull Duration warmupBackoff,
            @NotNull Duration uploadRateGrace,
            @NotNull Duration disconnectCheckInterval,
            @NotNull DataSize uploadBufferBudget,
            @Min(1) @Max(10_000) int maxParts,
            @NotNull DataSize maxPartHeaderSize,
            @Min(0) long decodePixelBudget,
            @NotNull DataSize uploadMinRate) {}

    /** Which devices models are placed on. */
    public enum DeviceMode {
        AUTO,
        CPU,
        GPU
    }
}
