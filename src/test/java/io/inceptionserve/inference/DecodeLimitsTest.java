package io.inceptionserve.inference;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The limit per image and the decode budget agree whatever the heap. */
class DecodeLimitsTest {

    private static final long LIMIT = 50_000_000;
    private static final long MB = 1 << 20;

    @Test
    void aLargeHeapKeepsBothAsConfigured() {
        DecodeLimits limits = DecodeLimits.of(LIMIT, 0, 6144 * MB);
        assertThat(limits.maxImagePixels()).isEqualTo(LIMIT);
        assertThat(limits.budgetPixels()).isEqualTo(6144 * MB / 4 / 12);
        assertThat(limits.adjustment()).isEmpty();
    }

    @Test
    void theContainerHeapRaisesTheBudgetToOneImageAtTheLimit() {
        DecodeLimits limits = DecodeLimits.of(LIMIT, 0, 1229 * MB);
        assertThat(limits.maxImagePixels()).isEqualTo(LIMIT);
        assertThat(limits.budgetPixels()).isEqualTo(LIMIT);
        assertThat(limits.adjustment())
                .startsWith("decode-pixel-budget raised from 26847914 (a quarter of the 1229 MB heap)");
    }

    @Test
    void aSmallHeapLowersTheLimitToTheBudget() {
        DecodeLimits limits = DecodeLimits.of(LIMIT, 0, 512 * MB);
        assertThat(limits.maxImagePixels()).isEqualTo(limits.budgetPixels()).isEqualTo(512 * MB / 4 / 12);
        assertThat(limits.adjustment()).startsWith("max-image-pixels lowered from 50000000 to the decode-pixel-budget");
    }

    @Test
    void aConfiguredBudgetBelowTheLimitLowersTheLimit() {
        DecodeLimits limits = DecodeLimits.of(LIMIT, 20_000_000, 6144 * MB);
        assertThat(limits.maxImagePixels()).isEqualTo(20_000_000);
        assertThat(limits.budgetPixels()).isEqualTo(20_000_000);
        assertThat(limits.adjustment()).endsWith("(as configured)");
    }
}
