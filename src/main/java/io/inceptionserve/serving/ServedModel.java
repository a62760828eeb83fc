package io.inceptionserve.serving;

import ai.djl.Device;
import io.inceptionserve.artifact.ArtifactFiles;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.model.Precision;
import java.util.List;

/**
 * One version of a model to serve and where it stands. The loading thread publishes its fields
 * once and request threads read them, hence volatile.
 *
 * <p>A request {@linkplain #hold() holds} the version from choosing it until its images are queued,
 * so that retiring a version waits for them instead of refusing them (see {@link
 * ServingCore#unload}).
 */
public final class ServedModel {

    /** Life cycle of a model. */
    public enum Status {
        LOADING,
        WARMING_UP,
        READY,
        FAILED,
        /** Taking no new requests; answering those already queued before it is freed. */
        UNLOADING,
        /** Freed. */
        UNLOADED
    }

    /**
     * A precision asked for one model by a setting outside its manifest.
     *
     * @param precision what was asked ({@code auto} lets the device decide)
     * @param source the setting that asked for it, as the log names it
     */
    public record PrecisionSetting(Precision precision, String source) {}

    private final String name;
    private final long version;
    private final String location;
    private final ArtifactFiles files;
    private final PrecisionSetting precisionSetting;
    private volatile Status status = Status.LOADING;
    private volatile String failure;
    private volatile ModelArtifact artifact;
    private volatile List<DeviceWorkers> workers = List.of();
    private volatile InferenceQueue queue;
    /** Requests that chose this version and have not yet queued their images; guarded by this. */
    private int holds;

    /**
     * @param location where the model directory is, as the user named it
     * @param files the model directory's files
     * @param precisionSetting a precision set for this model outside its manifest, or {@code null}
     */
    public ServedModel(String name, String location, ArtifactFiles files, PrecisionSetting precisionSetting) {
        this(name, 1, location, files, precisionSetting);
    }

    /**
     * @param version the version number, as the model repository's version folder names it
     * @param location where the model directory is, as the user named it
     * @param files the model directory's files
     * @param precisionSetting a precision set for this model outside its manifest, or {@code null}
     */
    public ServedModel(
            String name, long version, String location, ArtifactFiles files, PrecisionSetting precisionSetting) {
        this.name = name;
        this.version = version;
        this.location = location;
        this.files = files;
        this.precisionSetting = precisionSetting;
    }

    public String name() {
        return name;
    }

    public long version() {
        return version;
    }

    public String location() {
        return location;
    }

    public Status status() {
        return status;
    }

    /** Whether it has loaded, failed for good, or been unloaded: it is not on its way to ready. */
    public boolean settled() {
        return status != Status.LOADING && status != Status.WARMING_UP;
    }

    /**
     * Holds this version for a request about to queue images on it, unless it is no longer ready
     * (being retired, say): then the request should choose again. Every hold is given back with
     * {@link #release()} once the request's images are queued or it gave up.
     */
    public synchronized boolean hold() {
        if (status != Status.READY) {
            return false;
        }
        holds++;
        return true;
    }

    public synchronized void release() {
        if (--holds == 0) {
            notifyAll();
        }
    }

    /** Why the model failed to load, or {@code null}. */
    public String failure() {
        return failure;
    }

    /** The opened artifact, or {@code null} while loading or when it could not be opened. */
    public ModelArtifact artifact() {
        return artifact;
    }

    /** Whether the model has trained weights; an untrained model's answers are noise. */
    public boolean trained() {
        return artifact != null && artifact.hasWeights();
    }

    /**
     * The number format the model computes in ({@code float32}, {@code bfloat16} or {@code
     * float16}, never {@code auto}), or {@code null} until it is loaded.
     */
    public String precision() {
        List<DeviceWorkers> current = workers;
        return current.isEmpty() ? null : current.get(0).precision().id();
    }

    public List<Device> devices() {
        return workers.stream().map(DeviceWorkers::device).toList();
    }

    /** Whether the model runs on a GPU (then it batches with the GPU settings). */
    public boolean onGpu() {
        return devices().stream().anyMatch(Device::isGpu);
    }

    /** Images waiting for a forward pass. */
    public int queueDepth() {
        InferenceQueue current = queue;
        return current == null ? 0 : current.depth();
    }

    ArtifactFiles files() {
        return files;
    }

    PrecisionSetting precisionSetting() {
        return precisionSetting;
    }

    List<DeviceWorkers> workers() {
        return workers;
    }

    /** The queue of images waiting for this model; set once it is ready. */
    InferenceQueue queue() {
        return queue;
    }

    void opened(ModelArtifact openedArtifact) {
        this.artifact = openedArtifact;
    }

    void warmingUp(List<DeviceWorkers> loaded) {
        this.workers = List.copyOf(loaded);
        this.status = Status.WARMING_UP;
    }

    void ready(InferenceQueue openedQueue) {
        this.queue = openedQueue;
        this.status = Status.READY;
    }

    void failed(String reason) {
        this.failure = reason;
        this.status = Status.FAILED;
    }

    /** Marks a version that will not be loaded, because {@code reason}, as failed. */
    public void refused(String reason) {
        failed(reason);
    }

    /** Takes no new hold from now on. */
    synchronized void stopHolds() {
        status = Status.UNLOADING;
    }

    /** Stops taking new holds, then waits for the requests holding it to have queued their images. */
    synchronized void retire() throws InterruptedException {
        stopHolds();
        while (holds > 0) {
            wait();
        }
    }

    void unloaded() {
        this.workers = List.of();
        this.status = Status.UNLOADED;
    }
}
