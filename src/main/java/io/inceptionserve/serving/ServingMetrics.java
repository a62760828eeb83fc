package io.inceptionserve.serving;

import java.time.Duration;
import java.util.Collection;
import java.util.function.IntSupplier;

/** What the serving core reports as it loads models and runs their images. */
public interface ServingMetrics {

    /**
     * Whether {@code version} of {@code model} serves on {@code devices} (the devices it is loading
     * on, while not ready); a model serves while any of its versions does.
     */
    void modelReadiness(String model, long version, Collection<String> devices, boolean ready);

    /**
     * {@code version} of {@code model} is ready: it took {@code took} to load and warm up; its queue
     * holds {@code depth}.
     */
    void modelLoaded(String model, long version, Duration took, IntSupplier depth, int capacity);

    /** {@code version} of {@code model} has answered its last image and been freed. */
    void modelUnloaded(String model, long version);

    /** One forward pass of {@code batchSize} images. */
    void batch(String model, String device, int batchSize, long inferenceNanos);

    /** One image's wait from joining the queue to the start of its forward pass. */
    void queueWait(String model, long nanos);

    /** An image dropped before its forward pass because its request was abandoned. */
    void cancelled(String model);

    /** An image answered without being computed because it waited past its deadline. */
    void expired(String model);

    /** A request of {@code images} refused because the model's queue had no room for them. */
    void queueFull(String model, int images);
}
