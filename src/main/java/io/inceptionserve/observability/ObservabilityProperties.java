package io.inceptionserve.observability;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the service's own meters, under {@code inception.metrics.*}.
 *
 * @param predictionClasses distinct top-1 classes per model that get a series of their own in
 *     {@code inception_predictions_total}, in the order they are first predicted; later ones count
 *     as {@value #OTHER_CLASSES}. 0, the default, tags every class: the series are then bounded by
 *     the model's label count, which a 1000-class model may want to limit.
 */
@Validated
@ConfigurationProperties("inception.metrics")
public record ObservabilityProperties(
        @DefaultValue("0") @Min(0) int predictionClasses) {

    /** The {@code class} tag of predictions beyond the limit. */
    public static final String OTHER_CLASSES = "_other";
}
