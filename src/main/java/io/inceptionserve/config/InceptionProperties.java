package io.inceptionserve.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The service's own settings, under {@code inception.*}.
 *
 * @param defaultModel model used when a request names none
 * @param models served models: name → location of the model directory (a Spring resource
 *     location such as {@code classpath:models/googlenet/} or {@code file:/models/mine/})
 * @param inference how models run
 */
@Validated
@ConfigurationProperties("inception")
public record InceptionProperties(
        @NotBlank String defaultModel,
        @NotEmpty Map<@Pattern(regexp = MODEL_NAME) String, @NotBlank String> models,
        @NotNull @Valid Inference inference) {

    /** Model names appear in URLs and metrics tags; they never reach the file system. */
    public static final String MODEL_NAME = "[a-z0-9][a-z0-9._-]{0,63}";

    /**
     * @param devices where models run: {@code auto} (every GPU if there is one, else the CPU),
     *     {@code cpu} or {@code gpu}
     * @param workersPerDevice predictors per model and device; 0 picks a default for the device
     * @param warmupIterations blank forward passes per predictor before a model reports ready
     * @param defaultTopK predictions returned per image when a request does not say
     * @param maxImagesPerRequest images accepted in one request
     */
    public record Inference(
            @NotNull DeviceMode devices,
            @Min(0) @Max(64) int workersPerDevice,
            @Min(0) @Max(100) int warmupIterations,
            @Min(1) @Max(1000) int defaultTopK,
            @Min(1) @Max(256) int maxImagesPerRequest) {}

    /** Which devices models are placed on. */
    public enum DeviceMode {
        AUTO,
        CPU,
        GPU
    }
}
