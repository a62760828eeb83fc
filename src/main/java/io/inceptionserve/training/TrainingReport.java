package io.inceptionserve.training;

import io.inceptionserve.model.Architecture;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.ser.std.StdSerializer;
import tools.jackson.databind.ser.std.ToStringSerializer;

/**
 * The report of a run, written to {@code report/} in the model directory: {@code summary.json}
 * (everything, machine-readable), {@code summary.md} (the same for people, see {@link
 * SummaryMarkdown}), and the charts {@code loss.png}, {@code accuracy.png} and {@code
 * confusion-matrix.png}.
 */
final class TrainingReport {

    static final String DIRECTORY = "report";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(EnumFeature.WRITE_ENUMS_USING_TO_STRING)
            .addModule(new SimpleModule("report")
                    .addSerializer(Path.class, ToStringSerializer.instance)
                    .addSerializer(Architecture.class, new StdSerializer<>(Architecture.class) {
                        @Override
                        public void serialize(
                                Architecture value, JsonGenerator generator, SerializationContext context) {
                            generator.writeString(value.id());
                        }
                    }))
            .build();

    private static final int CHART_WIDTH = 800;
    private static final int CHART_HEIGHT = 500;

    private TrainingReport() {}

    static void write(TrainingResult result) throws IOException {
        Path dir = result.modelDir().resolve(DIRECTORY);
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve("summary.json").toFile(), summary(result));
        Files.writeString(dir.resolve("summary.md"), SummaryMarkdown.of(result), StandardCharsets.UTF_8);
        List<Integer> epochs =
                result.history().stream().map(EpochMetrics::epoch).toList();
        save(
                curves(
                        "Loss",
                        "loss",
                        epochs,
                        result.history(),
                        List.of(
                                new Series("train (objective, with aux)", EpochMetrics::trainLoss),
                                new Series("test (main head)", EpochMetrics::testLoss))),
                dir.resolve("loss.png"));
        save(
                curves(
                        "Accuracy",
                        "accuracy",
                        epochs,
                        result.history(),
                        List.of(
                                new Series("train top-1 (augmented)", EpochMetrics::trainAccuracy),
                                new Series("test top-1", EpochMetrics::testTop1),
                                new Series("test top-5", EpochMetrics::testTop5))),
                dir.resolve("accuracy.png"));
        save(confusionHeatMap(result), dir.resolve("confusion-matrix.png"));
    }

    private static Map<String, Object> summary(TrainingResult result) {
        TrainingOptions options = result.options();
        Evaluation evaluation = result.finalEvaluation();
        EpochMetrics best = result.bestEpoch();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("name", options.name());
        summary.put("model", options.architecture().id());
        summary.put("dataset", result.dataSource());
        if (result.startedFrom() != null) {
            summary.put("startedFrom", result.startedFrom());
        }
        summary.put("trainImages", result.trainImages());
        summary.put("testImages", result.testImages());
        summary.put("classes", result.classes());
        summary.put("inputSize", options.inputSize());
        summary.put("channels", options.channels());
        summary.put("epochs", result.history().size());
        summary.put("parameters", result.parameters());
        summary.put("trainingParameters", result.trainingParameters());
        summary.put("schedule", LearningRateSchedule.describe(options));
        summary.put("shippedWeights", SummaryMarkdown.shipped(result));
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < result.trainCountsPerClass().length; i++) {
            counts.put(result.classes().get(i), result.trainCountsPerClass()[i]);
        }
        summary.put("trainImagesPerClass", counts);
        summary.put("weightStorage", options.storage().id());
        summary.put("finalTestTop1", evaluation.top1());
        summary.put("finalTestTop5", evaluation.top5());
        summary.put("finalTestLoss", evaluation.loss());
        summary.put("bestTestTop1", best.testTop1());
        summary.put("bestEpoch", best.epoch());
        summary.put("trainSeconds", result.trainSeconds());
        summary.put("imagesPerSecond", result.imagesPerSecond());
        summary.put("hardware", result.hardware());
        summary.put("options", options);
        summary.put("history", result.history());
        Map<String, Double> perClass = new LinkedHashMap<>();
        double[] accuracy = evaluation.perClassAccuracy();
        for (int i = 0; i < accuracy.length; i++) {
            perClass.put(result.classes().get(i), accuracy[i]);
        }
        summary.put("perClassAccuracy", perClass);
        Map<String, Object> confusion = new LinkedHashMap<>();
        confusion.put("rows", "true class");
        confusion.put("columns", "predicted class");
        confusion.put("labels", result.classes());
        confusion.put("counts", evaluation.confusion());
        summary.put("confusionMatrix", confusion);
        return summary;
    }

    /** One curve of a chart: a metric per epoch. */
    private record Series(String name, ToDoubleFunction<EpochMetrics> metric) {}

    private static XYChart curves(
            String title, String yAxis, List<Integer> epochs, List<EpochMetrics> history, List<Series> series) {
        XYChart chart = new XYChartBuilder()
                .width(CHART_WIDTH)
                .height(CHART_HEIGHT)
                .title(title)
                .xAxisTitle("epoch")
                .yAxisTitle(yAxis)
                .build();
        for (Series curve : series) {
            chart.addSeries(
                    curve.name(),
                    epochs,
                    history.stream().map(m -> curve.metric().applyAsDouble(m)).toList());
        }
        return chart;
    }

    private static HeatMapChart confusionHeatMap(TrainingResult result) {
        int size = result.classes().size();
        int side = Math.max(CHART_HEIGHT, 60 * size + 200);
        HeatMapChart chart = new HeatMapChartBuilder()
                .width(side + 150)
                .height(side)
                .title("Confusion matrix (test set)")
                .xAxisTitle("predicted")
                .yAxisTitle("true")
                .build();
        chart.getStyler().setShowValue(true).setRangeColors(new Color[] {Color.WHITE, new Color(0x08, 0x30, 0x6b)});
        chart.getStyler().setXAxisLabelRotation(45);
        int[][] confusion = result.finalEvaluation().confusion();
        List<Number[]> cells = new ArrayList<>();
        for (int actual = 0; actual < size; actual++) {
            for (int predicted = 0; predicted < size; predicted++) {
                // Rows from the top: the first class's row is drawn highest, as in the tables.
                cells.add(new Number[] {predicted, size - 1 - actual, confusion[actual][predicted]});
            }
        }
        List<String> reversed = new ArrayList<>(result.classes());
        Collections.reverse(reversed);
        chart.addSeries("counts", result.classes(), reversed, cells);
        return chart;
    }

    private static void save(Chart<?, ?> chart, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapFormat.PNG);
        }
    }
}
