package io.inceptionserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the images and the chart ask of the service, asked of the real service on a real port:
 * the Docker HEALTHCHECK, the Kubernetes probes and scrape path, and every metric the dashboard
 * and the autoscaler read.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeploymentContractTest {

    /** Labels Prometheus adds when it scrapes; the service does not export them. */
    /** Labels Prometheus adds when it scrapes a pod through a ServiceMonitor. */
    private static final Set<String> SCRAPE_LABELS = Set.of("namespace", "job", "pod", "instance", "service");

    /** The kubelet's (cAdvisor) metrics of the pod's container, which the service cannot export. */
    private static final Set<String> KUBELET_METRICS =
            Set.of("container_memory_working_set_bytes", "container_spec_memory_limit_bytes");

    private static final Pattern METRIC = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{");
    private static final Pattern LABEL = Pattern.compile("(\\w+)\\s*=~?\\s*\"|by \\(([^)]*)\\)");

    @Value("${local.server.port}")
    int port;

    @Value("${local.management.port}")
    int managementPort;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (get(managementPort, "/actuator/health/readiness").statusCode() != 200) {
            assertThat(System.nanoTime()).as("service ready within 3 minutes").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker/Dockerfile", "docker/Dockerfile.cuda"})
    void theImagesHealthcheckPassesOnTheReadyServiceAndFailsWithoutOne(Path file) throws Exception {
        List<String> healthcheck =
                Dockerfile.read(file).finalStage().healthcheck().orElseThrow();
        assertThat(runHealthcheck(healthcheck, managementPort)).isZero();
        int nothingListening;
        try (ServerSocket socket = new ServerSocket(0)) {
            nothingListening = socket.getLocalPort();
        }
        assertThat(runHealthcheck(healthcheck, nothingListening)).isNotZero();
    }

    /** The chart's probes and scraping, on the ports they name: here the test's random ones. */
    @Test
    void theChartsProbesAndScrapePathAnswer() throws Exception {
        RenderedChart chart = RenderedChart.render(List.of(), Map.of("metrics.serviceMonitor.enabled", true));
        Map<String, Integer> ports = Map.of("http", port, "management", managementPort);
        Container container = chart.container();
        for (HTTPGetAction probe : List.of(
                container.getStartupProbe().getHttpGet(),
                container.getReadinessProbe().getHttpGet(),
                container.getLivenessProbe().getHttpGet())) {
            HttpResponse<String> response = get(ports.get(probe.getPort().getStrVal()), probe.getPath());
            assertThat(response.statusCode())
                    .as(probe.getPath() + ": " + response.body())
                    .isEqualTo(200);
        }
        @SuppressWarnings("unchecked")
        var endpoints = (List<Map<String, Object>>)
                ((Map<String, Object>) chart.custom("monitoring.coreos.com/v1", "ServiceMonitor")
                                .orElseThrow()
                                .getAdditionalProperties()
                                .get("spec"))
                        .get("endpoints");
        int scrapePort = chart.managementService().getSpec().getPorts().stream()
                .filter(servicePort ->
                        servicePort.getName().equals(endpoints.get(0).get("port")))
                .map(servicePort -> ports.get(servicePort.getTargetPort().getStrVal()))
                .findFirst()
                .orElseThrow();
        HttpResponse<String> scrape = get(scrapePort, (String) endpoints.get(0).get("path"));
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).contains("# TYPE jvm_memory_used_bytes gauge");
    }

    @Test
    void everyMetricTheDashboardAndTheAutoscalerReadIsExported() throws Exception {
        HttpResponse<String> classified = http.send(
                HttpRequest.newBuilder(uri(port, "/classify?model=googlenet"))
                        .header("Content-Type", "image/png")
                        .POST(HttpRequest.BodyPublishers.ofFile(Path.of("src/test/resources/images/ankle-boot.png")))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(classified.statusCode()).as(classified.body()).isEqualTo(200);
        Map<String, Set<String>> exported =
                exportedLabels(get(managementPort, "/actuator/prometheus").body());

        JsonNode dashboard = JsonMapper.builder()
                .build()
                .readTree(Files.readString(RenderedChart.CHART.resolve("dashboards/inception-serve.json")));
        List<String> expressions =
                dashboard.findValues("expr").stream().map(JsonNode::asString).toList();
        assertThat(expressions).hasSizeGreaterThanOrEqualTo(9);
        expressions.stream()
                .filter(e -> !readsTheKubelet(e))
                .forEach(expression -> assertReadable(expression, exported));

        // The alerts read the service's metrics, except the memory one: the kubelet's.
        List<String> alerts = ChartDefaultsTest.alertRules(ChartDefaultsTest.rule(
                        RenderedChart.render(List.of(), Map.of("metrics.prometheusRule.enabled", true))))
                .stream()
                .map(rule -> (String) rule.get("expr"))
                .toList();
        assertThat(alerts).hasSize(5);
        alerts.stream().filter(e -> !readsTheKubelet(e)).forEach(expression -> assertReadable(expression, exported));

        String autoscalerMetric = RenderedChart.render(List.of(), Map.of("autoscaling.inflight.enabled", true))
                .autoscaler()
                .orElseThrow()
                .getSpec()
                .getMetrics()
                .get(1)
                .getPods()
                .getMetric()
                .getName();
        assertThat(exported).containsKey(autoscalerMetric);
        assertThat(exported.get(autoscalerMetric)).contains("model");
    }

    private static boolean readsTheKubelet(String expression) {
        Set<String> metrics = matches(METRIC, expression);
        if (KUBELET_METRICS.containsAll(metrics)) {
            return true;
        }
        assertThat(metrics).as(expression).doesNotContainAnyElementsOf(KUBELET_METRICS);
        return false;
    }

    /** Every metric the expression reads is exported, with every label it selects or groups by. */
    private static void assertReadable(String expression, Map<String, Set<String>> exported) {
        Set<String> metrics = matches(METRIC, expression);
        assertThat(exported.keySet()).as(expression).containsAll(metrics);
        Set<String> labels = new HashSet<>();
        metrics.forEach(metric -> labels.addAll(exported.get(metric)));
        Set<String> used = new HashSet<>();
        Matcher label = LABEL.matcher(expression);
        while (label.find()) {
            String names = label.group(1) != null ? label.group(1) : label.group(2);
            Stream.of(names.split(",")).map(String::strip).forEach(used::add);
        }
        used.removeAll(SCRAPE_LABELS);
        assertThat(labels).as("labels of " + metrics + " used by " + expression).containsAll(used);
    }

    /** Runs the HEALTHCHECK as the container would, with the management port it is given. */
    private int runHealthcheck(List<String> command, int checkedPort) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("SERVER_PORT", Integer.toString(port));
        env.put("MANAGEMENT_SERVER_PORT", Integer.toString(checkedPort));
        return Processes.run(command, env).exitCode();
    }

    /** Metric name → the labels its samples carry, from the Prometheus text format. */
    private static Map<String, Set<String>> exportedLabels(String scrape) {
        Map<String, Set<String>> exported = new HashMap<>();
        for (String line : scrape.lines()
                .filter(line -> !line.startsWith("#") && !line.isBlank())
                .toList()) {
            int brace = line.indexOf('{');
            String name = brace < 0 ? line.substring(0, line.indexOf(' ')) : line.substring(0, brace);
            Set<String> labels = exported.computeIfAbsent(name, key -> new HashSet<>());
            if (brace >= 0) {
                labels.addAll(matches(Pattern.compile("(\\w+)=\""), line.substring(brace, line.lastIndexOf('}'))));
            }
        }
        return exported;
    }

    private static Set<String> matches(Pattern pattern, String text) {
        Set<String> found = new HashSet<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        return found;
    }

    private static URI uri(int port, String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(port, path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
