package io.inceptionserve.training;

import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars for the epochs, readable both on a terminal and in a log file: on a terminal the
 * bar redraws in place every second; otherwise (a run in the background, output redirected) it
 * prints a complete ASCII line every 30 seconds, because carriage-return redraws turn a log into
 * one unreadable line.
 */
final class Progress {

    private static final int LOG_LINE_LENGTH = 140;
    private static final int LOG_INTERVAL_MILLIS = 30_000;

    private final PrintWriter log;
    private final boolean terminal;

    /**
     * @param log where the lines go when not on a terminal
     * @param terminal whether {@code System.err} is an interactive terminal
     */
    Progress(PrintWriter log, boolean terminal) {
        this.log = log;
        this.terminal = terminal;
    }

    /** A bar counting images, showing images/s, ETA and whatever {@link ProgressBar#setExtraMessage} says. */
    ProgressBar bar(String task, long images) {
        ProgressBarBuilder builder = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(images)
                .setUnit(" img", 1)
                .showSpeed()
                .setSpeedUnit(ChronoUnit.SECONDS);
        if (terminal) {
            builder.setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(1000);
        } else {
            builder.setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new DelegatingProgressBarConsumer(withoutRepeats(), LOG_LINE_LENGTH))
                    .setUpdateIntervalMillis(LOG_INTERVAL_MILLIS);
        }
        return builder.build();
    }

    /** Prints lines to the log, dropping a line equal to the one before (closing a bar redraws it). */
    private Consumer<String> withoutRepeats() {
        String[] previous = {null};
        return line -> {
            if (!line.equals(previous[0])) {
                line(line);
            }
            previous[0] = line;
        };
    }

    /** A line of its own, e.g. an epoch's summary. */
    void line(String text) {
        log.println(text);
        log.flush();
    }
}
