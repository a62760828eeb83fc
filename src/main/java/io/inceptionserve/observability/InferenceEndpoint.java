package io.inceptionserve.observability;

import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.stereotype.Component;

/** {@code /actuator/inference}: what each model is doing right now. */
@Component
@Endpoint(id = "inference")
public class InferenceEndpoint {

    private final InferenceMetrics metrics;

    public InferenceEndpoint(InferenceMetrics metrics) {
        this.metrics = metrics;
    }

    @ReadOperation
    public Map<String, InferenceMetrics.ModelThroughput> throughput() {
        return metrics.throughput();
    }
}
