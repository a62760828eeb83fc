package io.inceptionserve.jmh;

import ai.djl.inference.Predictor;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where a forward pass spends its time, by libtorch operator: libtorch's own profiler (DJL's {@link
 * JniUtils#startProfile}) records every operator call; each call's self time is its duration minus
 * that of the operators it called (aten::conv2d → aten::convolution → aten::mkldnn_convolution
 * counts once, in the last). Time outside any operator (Java, JNI, allocation) is the wall time
 * minus the operators' total.
 *
 * @param forwardMillis wall time of one forward pass while profiled
 * @param selfMillisPerForward each operator's self time per forward pass, largest first
 */
record OperatorProfile(double forwardMillis, Map<String, Double> selfMillisPerForward) {

    /** Profiles {@code passes} forward passes of {@code subject} after a short warm-up. */
    static OperatorProfile of(Subject subject, int passes) throws IOException, TranslateException {
        Path trace = Files.createTempFile("libtorch-profile", ".json");
        try (Predictor<float[], float[]> predictor = subject.newPredictor()) {
            for (int i = 0; i < 2; i++) {
                predictor.predict(subject.pixels());
            }
            JniUtils.startProfile(false, false, false);
            long start = System.nanoTime();
            for (int i = 0; i < passes; i++) {
                predictor.predict(subject.pixels());
            }
            double wallMillis = (System.nanoTime() - start) / 1e6;
            JniUtils.stopProfile(trace.toString());
            return new OperatorProfile(wallMillis / passes, selfTimes(trace, passes));
        } finally {
            Files.deleteIfExists(trace);
        }
    }

    /** Milliseconds per forward pass spent in no operator. */
    double outsideOperatorsMillis() {
        return forwardMillis
                - selfMillisPerForward.values().stream()
                        .mapToDouble(Double::doubleValue)
                        .sum();
    }

    private static Map<String, Double> selfTimes(Path trace, int passes) throws IOException {
        Map<Long, List<Call>> callsByThread = new HashMap<>();
        for (JsonNode event : JsonMapper.shared().readTree(trace.toFile())) {
            if ("X".equals(event.path("ph").asString())) {
                Call call = new Call(
                        event.get("name").asString(),
                        event.get("ts").asDouble(),
                        event.get("dur").asDouble());
                callsByThread
                        .computeIfAbsent(event.path("tid").asLong(), tid -> new ArrayList<>())
                        .add(call);
            }
        }
        Map<String, Double> selfMicros = new HashMap<>();
        for (List<Call> calls : callsByThread.values()) {
            // Parents start no later and last no shorter than their children.
            calls.sort(Comparator.comparingDouble(Call::start)
                    .thenComparing(Comparator.comparingDouble(Call::duration).reversed()));
            Deque<Call> open = new ArrayDeque<>();
            // By identity: two calls of one operator can have equal name and times.
            Map<Call, Double> childMicros = new IdentityHashMap<>();
            for (Call call : calls) {
                while (!open.isEmpty() && !open.peek().contains(call)) {
                    open.pop();
                }
                if (!open.isEmpty()) {
                    childMicros.merge(open.peek(), call.duration(), Double::sum);
                }
                open.push(call);
            }
            for (Call call : calls) {
                selfMicros.merge(call.name(), call.duration() - childMicros.getOrDefault(call, 0.0), Double::sum);
            }
        }
        Map<String, Double> perForward = new LinkedHashMap<>();
        selfMicros.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(entry -> perForward.put(entry.getKey(), entry.getValue() / 1000 / passes));
        return perForward;
    }

    /** One operator call, in microseconds. */
    private record Call(String name, double start, double duration) {

        /** Timestamps are printed to the nanosecond; allow for the rounding. */
        boolean contains(Call other) {
            return other.start >= start && other.start + other.duration <= start + duration + 1e-3;
        }
    }
}
