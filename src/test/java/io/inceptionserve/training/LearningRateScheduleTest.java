package io.inceptionserve.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    private static final int STEPS_PER_EPOCH = 10;

    private static TrainingOptions options(String schedule) {
        return Cli.options(
                "--model",
                "googlenet-bn",
                "--out",
                "unused",
                "--epochs",
                "20",
                "--lr",
                "0.001",
                "--lr-schedule",
                schedule,
                "--lr-decay-epochs",
                "8",
                "--lr-decay-factor",
                "0.5");
    }

    @Test
    void stepScheduleDecaysEveryFewEpochs() {
        var schedule = LearningRateSchedule.of(options("step"), STEPS_PER_EPOCH, 0);

        // Adam counts its updates from 1.
        assertThat(schedule.getNewValue(1)).isEqualTo(0.001f);
        assertThat(schedule.getNewValue(8 * STEPS_PER_EPOCH)).isEqualTo(0.001f);
        assertThat(schedule.getNewValue(8 * STEPS_PER_EPOCH + 1)).isCloseTo(0.0005f, within(1e-9f));
        assertThat(schedule.getNewValue(16 * STEPS_PER_EPOCH + 1)).isCloseTo(0.00025f, within(1e-9f));
    }

    @Test
    void aResumedScheduleContinuesWhereTheEarlierRunStopped() {
        var fromStart = LearningRateSchedule.of(options("step"), STEPS_PER_EPOCH, 0);
        var resumedAfterEpoch9 = LearningRateSchedule.of(options("step"), STEPS_PER_EPOCH, 9 * STEPS_PER_EPOCH);

        for (int update = 1; update <= 3 * STEPS_PER_EPOCH; update++) {
            assertThat(resumedAfterEpoch9.getNewValue(update))
                    .isEqualTo(fromStart.getNewValue(9 * STEPS_PER_EPOCH + update));
        }
        assertThat(resumedAfterEpoch9.getNewValue(1)).isCloseTo(0.0005f, within(1e-9f));
    }

    @Test
    void cosineScheduleEndsAtOnePercent() {
        var schedule = LearningRateSchedule.of(options("cosine"), STEPS_PER_EPOCH, 0);
        int lastStep = 20 * STEPS_PER_EPOCH - 1;

        assertThat(schedule.rateAtStep(0)).isEqualTo(0.001f);
        assertThat(schedule.rateAtStep(lastStep / 2)).isCloseTo(0.000505f, within(1e-5f));
        assertThat(schedule.rateAtStep(lastStep)).isCloseTo(0.00001f, within(1e-7f));
    }
}
