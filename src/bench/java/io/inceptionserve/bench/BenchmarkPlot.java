package io.inceptionserve.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle;
import org.knowm.xchart.style.Styler;

/** Throughput and p99 latency per concurrency level, one row of two charts per model, as one PNG. */
final class BenchmarkPlot {

    private static final int WIDTH = 640;
    private static final int HEIGHT = 420;

    private BenchmarkPlot() {}

    static void write(HttpLoadBenchmark.Comparison comparison, Path png) throws IOException {
        List<CategoryChart> charts = new ArrayList<>();
        comparison.engine().forEach((model, engine) -> {
            List<StepResult> steps = comparison.steps().stream()
                    .filter(s -> s.model().equals(model))
                    .toList();
            List<String> levels = steps.stream()
                    .map(StepResult::concurrency)
                    .distinct()
                    .sorted()
                    .map(String::valueOf)
                    .toList();
            CategoryChart throughput = chart(model + ": throughput", "images/s");
            throughput.getStyler().setYAxisMin(0.0);
            addSystems(throughput, levels, steps, StepResult::imagesPerSecond);
            List<Double> ceiling = new ArrayList<>();
            for (String level : levels) {
                ceiling.add(HttpBenchmarkReport.ceilingAt(
                                comparison.ceilingSteps().stream()
                                        .filter(c -> c.model().equals(model))
                                        .toList(),
                                Integer.parseInt(level))
                        .map(c -> c.measurement().imagesPerSecond())
                        .orElse(null));
            }
            String ceilingNetwork =
                    engine.ownIsCeiling() ? "served block" : "PyTorch " + engine.pythonNetwork() + " TorchScript";
            throughput.addSeries(
                    "engine ceiling (" + ceilingNetwork + ", in process, measured alongside)", levels, ceiling);
            charts.add(throughput);
            CategoryChart p99 = chart(model + ": p99 latency", "ms (log scale)");
            p99.getStyler().setYAxisLogarithmic(true);
            addSystems(p99, levels, steps, StepResult::p99Ms);
            charts.add(p99);
        });
        BitmapEncoder.saveBitmap(charts, charts.size() / 2, 2, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** Lines over the concurrency levels, every series centred on its level. */
    private static CategoryChart chart(String title, String yTitle) {
        CategoryChart chart = new CategoryChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(title)
                .xAxisTitle("concurrent clients")
                .yAxisTitle(yTitle)
                .build();
        chart.getStyler().setDefaultSeriesRenderStyle(CategorySeriesRenderStyle.Line);
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        return chart;
    }

    /** One series per system; a level without a successful answer has no point. */
    private static void addSystems(
            CategoryChart chart, List<String> levels, List<StepResult> steps, ToDoubleFunction<StepResult> value) {
        for (String system : List.of(HttpLoadBenchmark.SERVICE, HttpLoadBenchmark.PYTHON)) {
            List<Double> values = new ArrayList<>();
            for (String level : levels) {
                values.add(steps.stream()
                        .filter(s -> s.system().equals(system)
                                && String.valueOf(s.concurrency()).equals(level))
                        .mapToDouble(value)
                        .filter(Double::isFinite)
                        .boxed()
                        .findFirst()
                        .orElse(null));
            }
            chart.addSeries(system, levels, values);
        }
    }
}
