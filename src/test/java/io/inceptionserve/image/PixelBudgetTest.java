package io.inceptionserve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PixelBudgetTest {

    /** 131,000,000 is not a multiple of any block size a rounding budget would count in. */
    private static final long TOTAL = 131_000_000;

    @Test
    void theWholeBudgetIsTakenAtOnceWhenNothingElseHoldsAny() throws InterruptedException {
        PixelBudget budget = new PixelBudget(TOTAL);
        long start = System.nanoTime();
        assertThat(budget.acquire(TOTAL, deadlineIn(5))).isTrue();
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(1));
        budget.release(TOTAL);
        assertThat(budget.acquire(TOTAL - 1, deadlineIn(1))).isTrue();
        assertThat(budget.acquire(1, deadlineIn(1))).isTrue();
        assertThat(budget.acquire(1, deadlineIn(0))).as("nothing left").isFalse();
    }

    @Test
    void moreThanTheWholeBudgetIsRefusedInsteadOfWaitedFor() {
        PixelBudget budget = new PixelBudget(TOTAL);
        assertThatThrownBy(() -> budget.acquire(TOTAL + 1, deadlineIn(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("never fit");
    }

    @Test
    void aWaitingImageTakesTheRoomOnceItIsGivenBack() throws Exception {
        PixelBudget budget = new PixelBudget(TOTAL);
        assertThat(budget.acquire(TOTAL / 2 + 1, deadlineIn(1))).isTrue();
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            budget.release(TOTAL / 2 + 1);
        });
        releaser.start();
        assertThat(budget.acquire(TOTAL, deadlineIn(5))).isTrue();
        releaser.join();
    }

    private static long deadlineIn(long seconds) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }
}
