package io.inceptionserve.bench;

import io.inceptionserve.bench.HttpLoadBenchmark.Comparison;
import io.inceptionserve.bench.HttpLoadBenchmark.EngineFigures;
import io.inceptionserve.bench.InProcessForward.Measurement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The benchmark's Markdown: printed to the console, and written into the generated sections of
 * docs/benchmarks.md (between marker comments, so the hand-written text around them stays).
 */
final class HttpBenchmarkReport {

    /** Targets the comparison is judged against. */
    static final double CEILING_SHARE_TARGET = 0.85;

    static final double PYTHON_RATIO_TARGET = 1.5;
    static final double SINGLE_CLIENT_P99_FACTOR = 1.3;

    private static final DateTimeFormatter WHEN =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    /**
     * @param markdown the report to update
     * @param docs where the plot goes (next to the report)
     */
    record Target(Path markdown, Path docs) {}

    private HttpBenchmarkReport() {}

    static void print(Comparison comparison) {
        System.out.println();
        System.out.println(comparisonMarkdown(comparison));
    }

    static void write(Target target, Comparison comparison, RunInfo run) throws IOException {
        Files.createDirectories(target.docs());
        String plot = target.markdown().getFileName().toString().replaceFirst("\\.md$", "") + ".png";
        BenchmarkPlot.write(comparison, target.docs().resolve(plot));
        replaceSection(
                target.markdown(),
                "results",
                runMarkdown(run) + "\n" + comparisonMarkdown(comparison)
                        + "\n![Throughput and p99 latency against concurrent clients](" + plot + ")\n");
        HttpLoadBenchmark.log(
                "wrote " + target.markdown() + " and " + target.docs().resolve(plot));
    }

    static void printSweep(List<KnobSweep.Result> results) {
        System.out.println();
        System.out.println(sweepMarkdown(results));
    }

    static void writeSweep(Target target, String model, List<KnobSweep.Result> results, RunInfo run)
            throws IOException {
        replaceSection(
                target.markdown(),
                "sweep",
                runMarkdown(run) + "\nModel `" + model + "`, inception-serve alone." + "\n\n" + sweepMarkdown(results));
        HttpLoadBenchmark.log("wrote the sweep into " + target.markdown());
    }

    static String progressLine(StepResult step) {
        return String.format(
                Locale.ROOT,
                "%-22s %-13s c=%-3d %7.1f img/s  p50 %7.0f  p99 %7.0f ms  errors %d"
                        + "  (CPU: ours %.2f, others %.2f cores)",
                step.system(),
                step.model(),
                step.concurrency(),
                step.imagesPerSecond(),
                step.p50Ms(),
                step.p99Ms(),
                step.errorCount(),
                step.cpu().watched(),
                step.cpu().others());
    }

    static String progressLine(HttpLoadBenchmark.CeilingStep step) {
        return String.format(
                Locale.ROOT,
                "%-22s %-13s c=%-3d %7.1f img/s  (batch %d, in process; CPU: ours %.2f," + " others %.2f cores)",
                HttpLoadBenchmark.CEILING,
                step.model(),
                step.concurrency(),
                step.measurement().imagesPerSecond(),
                step.measurement().batchSize(),
                step.cpu().watched(),
                step.cpu().others());
    }

    static String describe(List<Measurement> measurements) {
        return measurements.stream()
                .map(m -> String.format(Locale.ROOT, "batch %d: %.1f img/s", m.batchSize(), m.imagesPerSecond()))
                .collect(Collectors.joining(", "));
    }

    private static String runMarkdown(RunInfo run) {
        RunInfo.Machine machine = run.machine();
        Duration took = Duration.between(run.started(), run.finished());
        StringBuilder md = new StringBuilder();
        md.append(String.format(
                Locale.ROOT,
                "Run of %s, %d min %02d s: `%s`%n%n",
                WHEN.format(run.started()),
                took.toMinutes(),
                took.toSecondsPart(),
                run.command()));
        md.append(String.format(
                Locale.ROOT,
                "Machine: %d cores, %s (%s), %s RAM, %s. Load average (1/5/15 min) "
                        + "%s at the start, %s at the end (this run's own processes included; the CPU that other work "
                        + "used during each step is the tables' \"others\").%n%n",
                machine.cores(),
                machine.cpuModel(),
                machine.cpuFlags(),
                machine.memory(),
                machine.os(),
                machine.loadAtStart(),
                RunInfo.Machine.loadAverage()));
        md.append("Versions: ")
                .append(run.versions().entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue())
                        .collect(Collectors.joining(", ")))
                .append(".\n");
        md.append(String.format(
                Locale.ROOT,
                "%nThreading environment (inherited by both servers and this JVM): %s.%n",
                RunInfo.THREADING_ENVIRONMENT.stream()
                        .map(name -> name + "="
                                + Optional.ofNullable(System.getenv(name)).orElse("(unset)"))
                        .collect(Collectors.joining(", "))));
        return md.toString();
    }

    static String comparisonMarkdown(Comparison comparison) {
        StringBuilder md = new StringBuilder();
        comparison.engine().forEach((model, engine) -> {
            List<StepResult> steps = comparison.steps().stream()
                    .filter(s -> s.model().equals(model))
                    .toList();
            List<HttpLoadBenchmark.CeilingStep> ceilingSteps = comparison.ceilingSteps().stream()
                    .filter(c -> c.model().equals(model))
                    .toList();
            md.append("\n### ").append(model).append("\n\n");
            md.append(engineMarkdown(model, engine));
            md.append("\nOver HTTP on 127.0.0.1, closed loop (each client sends its next JPEG when the answer "
                    + "arrives); img/s and latencies of successful answers in the measurement window; CPU in "
                    + "cores used during the step by the server under load plus the load generator (ours) "
                    + "and by everything else on the machine (others). Between the steps of each level the "
                    + "ceiling ran again for one window at its best batch size, meeting the same background "
                    + "load:\n\n");
            md.append(loadMarkdown(steps, ceilingSteps));
            md.append("\ninception-serve's own per-image timings from its answers (means; forward = the whole "
                    + "batch's pass; other = client latency minus queue, preprocess and forward: HTTP, "
                    + "multipart/body handling, hand-offs; engine busy = share of the window spent in "
                    + "forward passes):\n\n");
            md.append(timingsMarkdown(steps));
            md.append("\nTargets:\n\n").append(targetsMarkdown(engine, steps, ceilingSteps));
        });
        return md.toString();
    }

    private static String engineMarkdown(String model, EngineFigures engine) {
        List<Measurement> reference = engine.torchScript();
        StringBuilder md = new StringBuilder("In process, no HTTP, same DJL PyTorch engine (img/s, and the median "
                + "time of one forward pass of the whole batch); the faster of the first two rows is **the "
                + "ceiling**:\n\n| network |");
        reference.forEach(m -> md.append(" batch ").append(m.batchSize()).append(" |"));
        md.append(" best |\n|---|");
        reference.forEach(m -> md.append("---:|"));
        md.append("---:|\n");
        String ceiling = ": **the ceiling**";
        engineRow(
                md,
                "TorchScript of the PyTorch `" + engine.pythonNetwork() + "` (the same architecture)"
                        + (engine.ownIsCeiling() ? "" : ceiling),
                reference);
        engineRow(
                md,
                "this project's `" + model + "` block as the service runs it (inference form)"
                        + (engine.ownIsCeiling() ? ceiling : ""),
                engine.own());
        md.append(String.format(
                Locale.ROOT,
                "%nCPU while timing, in cores: %.2f this process, %.2f others. "
                        + "Decoding and preparing one of the benchmark's JPEGs in process: %.1f ms (median).%n",
                engine.cpu().watched(),
                engine.cpu().others(),
                engine.decodeMs()));
        return md.toString();
    }

    private static void engineRow(StringBuilder md, String label, List<Measurement> measurements) {
        md.append("| ").append(label).append(" |");
        measurements.forEach(
                m -> md.append(String.format(Locale.ROOT, " %.1f (%.0f ms) |", m.imagesPerSecond(), m.medianPassMs())));
        md.append(String.format(
                Locale.ROOT,
                " **%.1f** |%n",
                InProcessForward.best(measurements).imagesPerSecond()));
    }

    private static String loadMarkdown(List<StepResult> steps, List<HttpLoadBenchmark.CeilingStep> ceilingSteps) {
        StringBuilder md = new StringBuilder("| clients | system | img/s | p50 ms | p95 ms | p99 ms | errors | "
                + "CPU ours / others |\n|---:|---|---:|---:|---:|---:|---|---|\n");
        for (int level :
                steps.stream().map(StepResult::concurrency).distinct().sorted().toList()) {
            for (String system : List.of(HttpLoadBenchmark.SERVICE, HttpLoadBenchmark.PYTHON)) {
                system(steps, system)
                        .filter(s -> s.concurrency() == level)
                        .forEach(s -> md.append(String.format(
                                Locale.ROOT,
                                "| %d | %s | %.1f | %.0f | %.0f | %.0f | %s | %.2f / %.2f |%n",
                                s.concurrency(),
                                s.system(),
                                s.imagesPerSecond(),
                                s.p50Ms(),
                                s.p95Ms(),
                                s.p99Ms(),
                                errors(s),
                                s.cpu().watched(),
                                s.cpu().others())));
            }
            ceilingAt(ceilingSteps, level)
                    .ifPresent(c -> md.append(String.format(
                            Locale.ROOT,
                            "| (%d) | %s: in process, batch %d, no HTTP | %.1f | | | | | %.2f / %.2f |%n",
                            level,
                            HttpLoadBenchmark.CEILING,
                            c.measurement().batchSize(),
                            c.measurement().imagesPerSecond(),
                            c.cpu().watched(),
                            c.cpu().others())));
        }
        return md.toString();
    }

    static Optional<HttpLoadBenchmark.CeilingStep> ceilingAt(
            List<HttpLoadBenchmark.CeilingStep> ceilingSteps, int level) {
        return ceilingSteps.stream().filter(c -> c.concurrency() == level).findFirst();
    }

    private static String errors(StepResult step) {
        return step.errors().isEmpty()
                ? "0"
                : step.errors().entrySet().stream()
                        .map(e -> e.getValue() + " × " + e.getKey())
                        .collect(Collectors.joining(", "));
    }

    private static String timingsMarkdown(List<StepResult> steps) {
        StringBuilder md = new StringBuilder(
                "| clients | mean batch | latency ms | queue ms | preprocess ms | "
                        + "forward ms | other ms | engine busy | engine img/s |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        steps.stream().filter(s -> s.timings() != null).forEach(s -> {
            StepResult.ServiceTimings t = s.timings();
            md.append(String.format(
                    Locale.ROOT,
                    "| %d | %.1f | %.0f | %.0f | %.1f | %.0f | %.1f | %.0f %% | %.1f |%n",
                    s.concurrency(),
                    t.meanBatch(),
                    t.latencyMs(),
                    t.queueMs(),
                    t.preprocessMs(),
                    t.forwardMs(),
                    t.otherMs(),
                    100 * t.engineBusy(),
                    t.engineImagesPerSecond()));
        });
        return md.toString();
    }

    private static String targetsMarkdown(
            EngineFigures engine, List<StepResult> steps, List<HttpLoadBenchmark.CeilingStep> ceilingSteps) {
        StringBuilder md = new StringBuilder();
        Measurement ceiling = engine.ceiling();
        system(steps, HttpLoadBenchmark.SERVICE)
                .max(Comparator.comparingDouble(StepResult::imagesPerSecond))
                .ifPresent(best -> {
                    Optional<HttpLoadBenchmark.CeilingStep> alongside = ceilingAt(ceilingSteps, best.concurrency());
                    double reference = alongside
                            .map(c -> c.measurement().imagesPerSecond())
                            .orElse(ceiling.imagesPerSecond());
                    double share = best.imagesPerSecond() / reference;
                    md.append(String.format(
                            Locale.ROOT,
                            "- Saturation: inception-serve's best, %.1f img/s at %d "
                                    + "clients, is **%.2f ×** the ceiling's %.1f img/s measured alongside it "
                                    + "(%.2f × the %.1f img/s of the in-process table, batch %d); target ≥ %.2f: "
                                    + "%s.%n",
                            best.imagesPerSecond(),
                            best.concurrency(),
                            share,
                            reference,
                            best.imagesPerSecond() / ceiling.imagesPerSecond(),
                            ceiling.imagesPerSecond(),
                            ceiling.batchSize(),
                            CEILING_SHARE_TARGET,
                            verdict(share, CEILING_SHARE_TARGET)));
                });
        Map<Integer, StepResult> python =
                system(steps, HttpLoadBenchmark.PYTHON).collect(Collectors.toMap(StepResult::concurrency, s -> s));
        system(steps, HttpLoadBenchmark.SERVICE).forEach(ours -> {
            StepResult peer = python.get(ours.concurrency());
            if (peer == null) {
                return;
            }
            double ratio = ours.imagesPerSecond() / peer.imagesPerSecond();
            md.append(String.format(
                    Locale.ROOT,
                    "- %d client%s: **%.2f ×** the Python service's throughput "
                            + "(target ≥ %.1f: %s); p99 %.0f ms vs %.0f ms (%s).%n",
                    ours.concurrency(),
                    ours.concurrency() == 1 ? "" : "s",
                    ratio,
                    PYTHON_RATIO_TARGET,
                    verdict(ratio, PYTHON_RATIO_TARGET),
                    ours.p99Ms(),
                    peer.p99Ms(),
                    ours.p99Ms() < peer.p99Ms() ? "lower: met" : "**not lower: missed**"));
        });
        system(steps, HttpLoadBenchmark.SERVICE)
                .filter(s -> s.concurrency() == 1)
                .findFirst()
                .ifPresent(single -> {
                    Optional<Measurement> alone = engine.own().stream()
                            .filter(m -> m.batchSize() == 1)
                            .findFirst();
                    double forwardMs = alone.map(Measurement::medianPassMs).orElse(Double.NaN);
                    double bound = SINGLE_CLIENT_P99_FACTOR * (forwardMs + engine.decodeMs());
                    md.append(String.format(
                            Locale.ROOT,
                            "- 1 client, latency: p99 %.0f ms vs %.1f × (one forward of the own block "
                                    + "at batch 1, %.0f ms, + one decode, %.1f ms) = %.0f ms: %s. (The forward alone, in "
                                    + "process, has a p99 of %.0f ms.)%n",
                            single.p99Ms(),
                            SINGLE_CLIENT_P99_FACTOR,
                            forwardMs,
                            engine.decodeMs(),
                            bound,
                            verdict(bound / single.p99Ms(), 1.0),
                            alone.map(Measurement::p99PassMs).orElse(Double.NaN)));
                });
        return md.toString();
    }

    private static Stream<StepResult> system(List<StepResult> steps, String system) {
        return steps.stream().filter(s -> s.system().equals(system));
    }

    /** "met", or by how much a ratio that should reach {@code target} falls short. */
    private static String verdict(double value, double target) {
        return value >= target
                ? "met"
                : String.format(Locale.ROOT, "**missed by %.0f %%**", 100 * (1 - value / target));
    }

    /** Rows by concurrency level, so that settings measured one after the other stand together. */
    static String sweepMarkdown(List<KnobSweep.Result> results) {
        StringBuilder md = new StringBuilder("| clients | setting | img/s | × first | p50 ms | p99 ms | errors | "
                + "mean batch | queue ms | forward ms | engine busy | engine img/s | CPU others |\n"
                + "|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
        int levels = results.get(0).steps().size();
        for (int level = 0; level < levels; level++) {
            double first = results.get(0).steps().get(level).imagesPerSecond();
            for (KnobSweep.Result result : results) {
                StepResult s = result.steps().get(level);
                StepResult.ServiceTimings t = s.timings();
                md.append(String.format(
                        Locale.ROOT,
                        "| %d | %s | %.1f | %.2f | %.0f | %.0f | %s | %s | %.2f |%n",
                        s.concurrency(),
                        result.setting().name(),
                        s.imagesPerSecond(),
                        s.imagesPerSecond() / first,
                        s.p50Ms(),
                        s.p99Ms(),
                        errors(s),
                        t == null
                                ? "– | – | – | – | –"
                                : String.format(
                                        Locale.ROOT,
                                        "%.1f | %.0f | %.0f | %.0f %% | %.1f",
                                        t.meanBatch(),
                                        t.queueMs(),
                                        t.forwardMs(),
                                        100 * t.engineBusy(),
                                        t.engineImagesPerSecond()),
                        s.cpu().others()));
            }
        }
        return md.toString();
    }

    /** Replaces the text between this section's markers, appending the section when the file has none. */
    private static void replaceSection(Path markdown, String section, String content) throws IOException {
        String begin = "<!-- generated:" + section + ":begin (HttpLoadBenchmark rewrites this part) -->";
        String end = "<!-- generated:" + section + ":end -->";
        String text = Files.isRegularFile(markdown) ? Files.readString(markdown) : "# Benchmarks\n";
        String block = begin + "\n" + content.strip() + "\n" + end;
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        String updated = from >= 0 && to > from
                ? text.substring(0, from) + block + text.substring(to + end.length())
                : text.stripTrailing() + "\n\n" + block + "\n";
        Files.writeString(markdown, updated);
    }
}
