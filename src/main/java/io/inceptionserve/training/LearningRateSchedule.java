package io.inceptionserve.training;

import ai.djl.training.tracker.Tracker;

/**
 * The learning rate of a run as a DJL {@link Tracker} for Adam, continuing where an earlier run
 * stopped: DJL's trackers count updates from the start of the optimiser, and a resumed run has a
 * new optimiser, so the count is offset by the steps already taken. (Adam's own update count, used
 * for its bias correction, rightly restarts with its fresh moment estimates.)
 *
 * <p>The curve advances one tick every {@code updatesPerTick} updates, which turns DJL's
 * per-update {@code FactorTracker} into a decay every few epochs.
 */
final class LearningRateSchedule implements Tracker {

    private final Tracker curve;
    private final int updatesPerTick;
    private final int completedUpdates;

    private LearningRateSchedule(Tracker curve, int updatesPerTick, int completedUpdates) {
        this.curve = curve;
        this.updatesPerTick = updatesPerTick;
        this.completedUpdates = completedUpdates;
    }

    /**
     * The schedule the options ask for.
     *
     * @param stepsPerEpoch optimiser updates per epoch
     * @param completedSteps updates already taken by earlier runs
     */
    static LearningRateSchedule of(TrainingOptions options, int stepsPerEpoch, int completedSteps) {
        float rate = options.learningRate();
        return switch (options.lrSchedule()) {
            case STEP ->
                new LearningRateSchedule(
                        Tracker.factor()
                                .setBaseValue(rate)
                                .setFactor(options.lrDecayFactor())
                                .build(),
                        stepsPerEpoch * options.lrDecayEpochs(),
                        completedSteps);
            case COSINE ->
                new LearningRateSchedule(
                        Tracker.cosine()
                                .setBaseValue(rate)
                                .optFinalValue(rate * 0.01f)
                                .setMaxUpdates(stepsPerEpoch * options.epochs())
                                .build(),
                        1,
                        completedSteps);
        };
    }

    /**
     * {@inheritDoc}
     *
     * @param numUpdate this optimiser's update count, 1 for its first update
     */
    @Override
    public float getNewValue(int numUpdate) {
        return rateAtStep(completedUpdates + numUpdate - 1);
    }

    /** The rate of the run's {@code step}-th update (0-based, counted from the first run). */
    float rateAtStep(int step) {
        return curve.getNewValue(step / updatesPerTick);
    }

    /** A one-line description for the report. */
    static String describe(TrainingOptions options) {
        return switch (options.lrSchedule()) {
            case STEP ->
                "Adam, lr " + options.learningRate() + " × " + options.lrDecayFactor() + " every "
                        + options.lrDecayEpochs() + " epochs";
            case COSINE ->
                "Adam, lr " + options.learningRate() + " with cosine decay to 1 % over " + options.epochs() + " epochs";
        };
    }
}
