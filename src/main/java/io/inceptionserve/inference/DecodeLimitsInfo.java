package io.inceptionserve.inference;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.stereotype.Component;

/** The image limits in force, in {@code /actuator/info}: what the service enforces, after any adjustment at start. */
@Component
class DecodeLimitsInfo implements InfoContributor {

    private final DecodeLimits limits;

    DecodeLimitsInfo(ClassificationService classifier) {
        this.limits = classifier.decodeLimits();
    }

    @Override
    public void contribute(Info.Builder builder) {
        Map<String, Object> images = new LinkedHashMap<>();
        images.put("maxImagePixels", limits.maxImagePixels());
        images.put("decodePixelBudget", limits.budgetPixels());
        images.put("adjustment", limits.adjustment().isEmpty() ? "none" : limits.adjustment());
        builder.withDetail("imageLimits", images);
    }
}
