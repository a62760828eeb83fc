package io.inceptionserve.inference;

import ai.djl.Device;
import io.inceptionserve.artifact.ModelArtifact;
import io.inceptionserve.image.ImagePreprocessor;
import java.util.List;

/**
 * A configured model and where it stands. Fields are published once by the loading thread and
 * read by request threads, hence volatile.
 */
public final class ServedModel {

    /** Life cycle of a configured model. */
    public enum Status {
        LOADING,
        WARMING_UP,
        READY,
        FAILED
    }

    private final String name;
    private final String location;
    private volatile Status status = Status.LOADING;
    private volatile String failure;
    private volatile ModelArtifact artifact;
    private volatile ImagePreprocessor preprocessor;
    private volatile List<DeviceWorkers> workers = List.of();
    private volatile InferenceQueue queue;

    ServedModel(String name, String location) {
        this.name = name;
        this.location = location;
    }

    public String name() {
        return name;
    }

    public String location() {
        return location;
    }

    public Status status() {
        return status;
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

    ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    List<DeviceWorkers> workers() {
        return workers;
    }

    void opened(ModelArtifact openedArtifact, long maxImagePixels) {
        this.artifact = openedArtifact;
        this.preprocessor = new ImagePreprocessor(openedArtifact.manifest(), maxImagePixels);
    }

    void warmingUp(List<DeviceWorkers> loaded) {
        this.workers = List.copyOf(loaded);
        this.status = Status.WARMING_UP;
    }

    void ready(InferenceQueue openedQueue) {
        this.queue = openedQueue;
        this.status = Status.READY;
    }

    /** The queue of images waiting for this model; set once it is ready. */
    InferenceQueue queue() {
        return queue;
    }

    /** Images waiting for a forward pass. */
    public int queueDepth() {
        InferenceQueue current = queue;
        return current == null ? 0 : current.depth();
    }

    void failed(String reason) {
        this.failure = reason;
        this.status = Status.FAILED;
    }
}
