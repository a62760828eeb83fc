package io.inceptionserve.inference;

import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.config.InceptionProperties.Batching;
import io.inceptionserve.config.InceptionProperties.Inference;
import io.inceptionserve.observability.InferenceMetrics;
import io.inceptionserve.serving.ServingCore;
import io.inceptionserve.serving.ServingMetrics;
import io.inceptionserve.serving.ServingSettings;
import io.inceptionserve.serving.ServingSettings.DeviceSettings;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The serving core, set from {@code inception.*} and reporting to the service's meters. */
@Configuration(proxyBeanMethods = false)
class ServingConfiguration {

    /** Closed by {@link ModelRegistry#stop}, after the web server, not when the context is destroyed. */
    @Bean(destroyMethod = "")
    ServingCore servingCore(InceptionProperties properties, InferenceMetrics metrics) {
        return new ServingCore(settings(properties), new Meters(metrics));
    }

    static ServingSettings settings(InceptionProperties properties) {
        Inference inference = properties.inference();
        int cores = Runtime.getRuntime().availableProcessors();
        return new ServingSettings(
                ServingSettings.Devices.valueOf(inference.devices().name()),
                device(inference, false, cores),
                device(inference, true, cores),
                inference.intraOpThreads(cores),
                inference.queueCapacity(),
                inference.warmupIterations(),
                properties.reliability().warmupAttempts(),
                properties.reliability().warmupBackoff());
    }

    private static DeviceSettings device(Inference inference, boolean gpu, int cores) {
        Batching batching = inference.batching(gpu);
        return new DeviceSettings(
                batching.workers(),
                inference.forwardThreads(gpu, cores),
                batching.maxBatchSize(),
                batching.maxBatchDelay());
    }

    /**
     * The service's meters are per model, not per version: a model is ready while any of its
     * versions serves, and its queue size is that of all its versions together.
     */
    private static final class Meters implements ServingMetrics {

        private final InferenceMetrics metrics;
        /** Per model: its ready versions, and the queue depth of each loaded version. */
        private final Map<String, Set<Long>> readyVersions = new ConcurrentHashMap<>();

        private final Map<String, Map<Long, IntSupplier>> queues = new ConcurrentHashMap<>();

        Meters(InferenceMetrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public void modelReadiness(String model, long version, Collection<String> devices, boolean ready) {
            Set<Long> readyVersionsOf = readyVersions.computeIfAbsent(model, m -> ConcurrentHashMap.newKeySet());
            if (ready) {
                readyVersionsOf.add(version);
            } else {
                readyVersionsOf.remove(version);
            }
            metrics.modelReadiness(model, devices, !readyVersionsOf.isEmpty());
        }

        @Override
        public void modelLoaded(String model, long version, Duration took, IntSupplier depth, int capacity) {
            Map<Long, IntSupplier> depths = queues.computeIfAbsent(model, m -> {
                Map<Long, IntSupplier> perVersion = new ConcurrentHashMap<>();
                metrics.registerQueue(
                        model,
                        () -> perVersion.values().stream()
                                .mapToInt(IntSupplier::getAsInt)
                                .sum(),
                        capacity);
                return perVersion;
            });
            depths.put(version, depth);
            metrics.modelLoaded(model, took);
        }

        @Override
        public void modelUnloaded(String model, long version) {
            Map<Long, IntSupplier> depths = queues.get(model);
            if (depths != null) {
                depths.remove(version);
            }
        }

        @Override
        public void batch(String model, String device, int batchSize, long inferenceNanos) {
            metrics.recordBatch(model, device, batchSize, inferenceNanos);
        }

        @Override
        public void queueWait(String model, long nanos) {
            metrics.recordQueueWait(model, nanos);
        }

        @Override
        public void cancelled(String model) {
            metrics.recordCancelled(model);
        }

        @Override
        public void expired(String model) {
            metrics.recordExpired(model);
        }

        @Override
        public void queueFull(String model, int images) {
            metrics.recordQueueFull(model, images);
        }
    }
}
