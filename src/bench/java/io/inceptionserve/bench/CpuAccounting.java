package io.inceptionserve.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * CPU time from Linux's {@code /proc}: the whole machine's busy time and that of the processes
 * the benchmark runs, so each step can say how much of the cores other work took meanwhile.
 */
final class CpuAccounting {

    /** Linux reports CPU times in clock ticks of 1/100 s on every mainstream architecture. */
    private static final double TICKS_PER_SECOND = 100;

    /** Busy ticks of the machine and of the watched processes at one moment. */
    record Snapshot(long nanoTime, long machineBusyTicks, long watchedTicks) {}

    /**
     * CPU use between two snapshots, in cores (2.0 = both cores of a 2-core machine busy).
     *
     * @param watched the benchmark's own processes: the server under load and the load generator
     * @param others everything else on the machine
     */
    record Usage(double watched, double others) {}

    private final long[] pids;

    /** Watches the given processes (use {@link ProcessHandle#pid()}). */
    CpuAccounting(long... pids) {
        this.pids = pids.clone();
    }

    Snapshot snapshot() {
        long watched = 0;
        for (long pid : pids) {
            watched += processTicks(pid);
        }
        return new Snapshot(System.nanoTime(), machineBusyTicks(), watched);
    }

    static Usage between(Snapshot start, Snapshot end) {
        double seconds = (end.nanoTime() - start.nanoTime()) / 1e9;
        double machine = (end.machineBusyTicks() - start.machineBusyTicks()) / TICKS_PER_SECOND / seconds;
        double watched = (end.watchedTicks() - start.watchedTicks()) / TICKS_PER_SECOND / seconds;
        return new Usage(watched, Math.max(0, machine - watched));
    }

    /** user + nice + system + irq + softirq + steal of the {@code cpu} line; idle and iowait are not busy. */
    private static long machineBusyTicks() {
        String cpuLine = read(Path.of("/proc/stat")).lines().findFirst().orElseThrow();
        long[] fields = Arrays.stream(cpuLine.trim().split("\\s+"))
                .skip(1)
                .mapToLong(Long::parseLong)
                .toArray();
        return fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7];
    }

    /** utime + stime of every thread of the process (fields 14 and 15, counted after the command name). */
    private static long processTicks(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        String[] afterName = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(afterName[11]) + Long.parseLong(afterName[12]);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + " (the benchmark needs Linux /proc)", e);
        }
    }
}
