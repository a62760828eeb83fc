package io.inceptionserve;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints, at the end of a test run, how many tests were skipped and why, grouped by reason, so
 * that a green run on a machine without Chromium or torchvision says what it did not test. Maven's
 * own summary only counts skips. Registered through {@code META-INF/services}.
 */
public final class SkippedTestsSummary implements TestExecutionListener {

    /** Reason → classes and the number of tests skipped for it. */
    private final Map<String, Skips> skips = new TreeMap<>();

    private TestPlan plan;

    private static final class Skips {
        int tests;
        final TreeSet<String> classes = new TreeSet<>();
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
        skips.clear();
    }

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        record(test, reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            record(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
        }
    }

    /** A skipped or aborted class counts all the tests it holds (a parameterised one as one). */
    private void record(TestIdentifier test, String reason) {
        long tests = test.isTest()
                ? 1
                : plan.getDescendants(test).stream()
                        .filter(TestIdentifier::isTest)
                        .count();
        Skips entry = skips.computeIfAbsent(reason == null ? "no reason given" : reason, r -> new Skips());
        entry.tests += (int) Math.max(1, tests);
        entry.classes.add(className(test));
    }

    private static String className(TestIdentifier test) {
        return test.getSource()
                .map(source -> source instanceof MethodSource method
                        ? method.getClassName()
                        : source instanceof ClassSource type ? type.getClassName() : test.getDisplayName())
                .map(name -> name.substring(name.lastIndexOf('.') + 1))
                .orElse(test.getDisplayName());
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        if (skips.isEmpty()) {
            return;
        }
        int total = skips.values().stream().mapToInt(s -> s.tests).sum();
        List<String> lines = new ArrayList<>();
        lines.add("SKIPPED " + total + " test(s), by reason (Maven's count leaves out the tests of a class"
                + " stopped before its first test):");
        skips.forEach((reason, entry) ->
                lines.add("  " + entry.tests + " in " + String.join(", ", entry.classes) + ": " + reason));
        System.out.println(String.join(System.lineSeparator(), lines));
    }
}
