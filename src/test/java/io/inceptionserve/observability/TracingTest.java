package io.inceptionserve.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.api.RunningServiceTest;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * A client's W3C trace continues through the service: its trace id is the exemplar of the
 * request latency histogram in the OpenMetrics scrape, and the request's spans cover decoding,
 * the queue, the forward pass and the answer. Spans are caught by an exporter of the test's own:
 * the service exports none unless an OTLP endpoint is configured.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "inception.inference.warmup-iterations=0",
            "management.opentelemetry.tracing.export.schedule-delay=100ms"
        })
class TracingTest extends RunningServiceTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";

    private final HttpClient http = HttpClient.newHttpClient();

    @Autowired
    ApplicationContext context;

    @Autowired
    CapturedSpans captured;

    @TestConfiguration
    static class Capture {
        @Bean
        CapturedSpans capturedSpans() {
            return new CapturedSpans();
        }
    }

    /** Collects every span the service ends. */
    static final class CapturedSpans implements SpanExporter {

        final List<SpanData> spans = new CopyOnWriteArrayList<>();

        @Override
        public CompletableResultCode export(Collection<SpanData> batch) {
            spans.addAll(batch);
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    @Test
    void theClientsTraceIsTheExemplarOfTheLatencyHistogramAndCoversEveryStage() throws Exception {
        HttpResponse<String> classified = http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/classify?model=googlenet-bn"))
                        .header("Content-Type", "image/png")
                        .header("traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01")
                        .POST(HttpRequest.BodyPublishers.ofFile(Path.of("src/test/resources/images/trouser.png")))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(classified.statusCode()).as(classified.body()).isEqualTo(200);

        String openMetrics = http.send(
                        HttpRequest.newBuilder(
                                        URI.create("http://localhost:" + managementPort + "/actuator/prometheus"))
                                .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8")
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher exemplar = Pattern.compile(
                        "(?m)^inception_requests_seconds_bucket\\{[^}]*model=\"googlenet-bn\"[^}]*\\} \\S+ # \\{([^}]*)\\}")
                .matcher(openMetrics);
        boolean found = false;
        while (exemplar.find()) {
            found |= exemplar.group(1).contains("trace_id=\"" + TRACE_ID + "\"");
        }
        assertThat(found)
                .as("an exemplar with the client's trace id on inception_requests_seconds_bucket")
                .isTrue();

        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<String> stages = List.of("decode", "queue", "forward", "answer");
        // The server's span ends after the answer is written, on another thread: wait for it too.
        while (System.nanoTime() < deadline
                && !(names(captured).containsAll(stages)
                        && captured.spans.stream()
                                .anyMatch(span -> span.getParentSpanId().equals(CLIENT_SPAN)))) {
            Thread.sleep(100);
        }
        List<SpanData> ours = captured.spans.stream()
                .filter(span -> span.getTraceId().equals(TRACE_ID))
                .toList();
        assertThat(ours).extracting(SpanData::getName).contains("decode", "queue", "forward", "answer");
        SpanData server = ours.stream()
                .filter(span -> span.getParentSpanId().equals(CLIENT_SPAN))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no span continues the client's"));
        for (SpanData stage :
                ours.stream().filter(s -> stages.contains(s.getName())).toList()) {
            assertThat(stage.getStartEpochNanos()).isBetween(server.getStartEpochNanos(), server.getEndEpochNanos());
            assertThat(stage.getEndEpochNanos())
                    .isGreaterThanOrEqualTo(stage.getStartEpochNanos())
                    .isLessThanOrEqualTo(server.getEndEpochNanos());
        }
        SpanData forward = ours.stream()
                .filter(s -> s.getName().equals("forward"))
                .findFirst()
                .orElseThrow();
        assertThat(forward.getAttributes().asMap().toString()).contains("cpu()");

        assertThat(context.getBeanNamesForType(SpanExporter.class))
                .as("no exporter of the service's own without an OTLP endpoint")
                .containsExactly("capturedSpans");
    }

    private static List<String> names(CapturedSpans captured) {
        return captured.spans.stream()
                .filter(span -> span.getTraceId().equals(TRACE_ID))
                .map(SpanData::getName)
                .toList();
    }
}
