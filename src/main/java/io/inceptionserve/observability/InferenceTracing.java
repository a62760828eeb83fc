package io.inceptionserve.observability;

import io.micrometer.tracing.CurrentTraceContext;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Spans for the stages of a classification (decode, queue, forward, answer) under the request's
 * trace, which Spring's HTTP observation starts, continuing a client's W3C {@code traceparent}.
 * Stages run on other threads than the request's, so the trace is handed over explicitly.
 * Without a tracer, or outside a traced request, nothing is recorded.
 */
@Component
public class InferenceTracing {

    private final Tracer tracer;

    public InferenceTracing(ObjectProvider<Tracer> tracer) {
        this.tracer = tracer.getIfAvailable(() -> Tracer.NOOP);
    }

    /** The trace of the request on this thread, to hand to the threads that work for it. */
    public Trace current() {
        Span span = tracer.currentSpan();
        return new Trace(span == null ? null : span.context());
    }

    /** Runs {@code work} on this thread as a child span of {@code trace}. */
    public <T> T inSpan(Trace trace, String name, Supplier<T> work) {
        if (trace.context == null) {
            return work.get();
        }
        Span span = tracer.spanBuilder().setParent(trace.context).name(name).start();
        try (Tracer.SpanInScope scope = tracer.withSpan(span)) {
            return work.get();
        } catch (RuntimeException e) {
            span.error(e);
            throw e;
        } finally {
            span.end();
        }
    }

    /**
     * Runs {@code work} on this thread inside {@code trace} without a span of its own, so that
     * what it records (a latency sample's exemplar) belongs to the request's trace.
     */
    public void within(Trace trace, Runnable work) {
        if (trace.context == null) {
            work.run();
            return;
        }
        try (CurrentTraceContext.Scope scope = tracer.currentTraceContext().newScope(trace.context)) {
            work.run();
        }
    }

    /**
     * Records a stage that another thread timed, after the fact.
     *
     * @param startNanos when it started, on {@link System#nanoTime}'s clock
     * @param endNanos when it ended, on the same clock
     */
    public void stage(Trace trace, String name, long startNanos, long endNanos, Map<String, String> tags) {
        if (trace.context == null) {
            return;
        }
        Instant now = Instant.now();
        long nowEpochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        long offset = nowEpochNanos - System.nanoTime();
        Span span = tracer.spanBuilder()
                .setParent(trace.context)
                .name(name)
                .startTimestamp(startNanos + offset, TimeUnit.NANOSECONDS)
                .start();
        tags.forEach(span::tag);
        span.end(endNanos + offset, TimeUnit.NANOSECONDS);
    }

    /** A request's trace, or none. */
    public static final class Trace {

        private final TraceContext context;

        private Trace(TraceContext context) {
            this.context = context;
        }
    }
}
