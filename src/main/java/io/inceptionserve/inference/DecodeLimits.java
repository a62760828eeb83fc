package io.inceptionserve.inference;

/**
 * The pixel limit per image and the pixel budget shared by all images decoding at once, made
 * consistent: a budget smaller than one image the limit allows would make such an image wait for
 * room that never comes, so one of the two gives way at start.
 *
 * @param maxImagePixels the largest image served; larger ones are refused 413 at once
 * @param budgetPixels pixels decoded at once across all requests, never less than {@code maxImagePixels}
 * @param adjustment what was changed to make them consistent, for the log and {@code /actuator/info};
 *     empty when nothing was
 */
public record DecodeLimits(long maxImagePixels, long budgetPixels, String adjustment) {

    /** Peak heap per pixel while an image is decoded and prepared: a raster of 3 to 4 bytes a pixel, copied by colour conversion and orientation. */
    static final long BYTES_PER_DECODED_PIXEL = 12;

    /**
     * The limits from the settings. A budget of 0 is a quarter of the maximum heap at {@link
     * #BYTES_PER_DECODED_PIXEL}. When the budget is below the limit, a budget sized from the heap is
     * raised to the limit if one such image takes at most half the heap; otherwise (a budget the
     * operator set, or a heap too small) the limit is lowered to the budget.
     */
    static DecodeLimits of(long configuredLimit, long configuredBudget, long maxHeapBytes) {
        long budget = configuredBudget > 0 ? configuredBudget : maxHeapBytes / 4 / BYTES_PER_DECODED_PIXEL;
        if (budget >= configuredLimit) {
            return new DecodeLimits(configuredLimit, budget, "");
        }
        boolean limitFitsHalfTheHeap = configuredLimit <= maxHeapBytes / 2 / BYTES_PER_DECODED_PIXEL;
        if (configuredBudget == 0 && limitFitsHalfTheHeap) {
            return new DecodeLimits(
                    configuredLimit,
                    configuredLimit,
                    "decode-pixel-budget raised from " + budget + " (a quarter of the " + (maxHeapBytes >> 20)
                            + " MB heap) to max-image-pixels, " + configuredLimit
                            + ", so that one image at the limit can be decoded");
        }
        return new DecodeLimits(
                budget,
                budget,
                "max-image-pixels lowered from " + configuredLimit + " to the decode-pixel-budget, " + budget
                        + (configuredBudget > 0
                                ? " (as configured)"
                                : " (a quarter of the " + (maxHeapBytes >> 20)
                                        + " MB heap; an image at the limit would need more than half of it)"));
    }
}
