package io.inceptionserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What an operator gets from `helm install` without values, and the options that change it,
 * rendered by real Helm: cluster-internal, schema-checked, spread, testable.
 */
class ChartDefaultsTest {

    /** Settings that change what is rendered, alone and together; each must give valid objects. */
    static Stream<Map<String, Object>> combinations() {
        return Stream.of(
                Map.of(),
                Map.of("service.type", "LoadBalancer", "service.loadBalancerSourceRanges[0]", "10.0.0.0/8"),
                Map.of("service.type", "NodePort", "ingress.enabled", true),
                Map.of("autoscaling.enabled", false, "replicaCount", 1, "topologySpread.enabled", false),
                Map.of("security.mode", "api-key", "security.apiKeys.existingSecret", "keys"),
                Map.of("security.mode", "oauth2", "security.oauth2.jwkSetUri", "https://id.example.com/jwks"),
                Map.of("models.source", "pvc", "models.existingClaim", "models", "models.served.a", "a"),
                Map.of(
                        "models.source", "url",
                        "models.url", "https://models.example.com/m.tar.gz",
                        "models.sha256", "0".repeat(64),
                        "models.served.a", "a"),
                Map.of(
                        "metrics.serviceMonitor.enabled", true,
                        "metrics.prometheusRule.enabled", true,
                        "metrics.dashboard.enabled", true,
                        "autoscaling.inflight.enabled", true),
                Map.of(
                        "serviceAccount.create",
                        false,
                        "runtimeClassName",
                        "nvidia",
                        "podDisruptionBudget.enabled",
                        false));
    }

    /**
     * Rendered by Helm and read into Kubernetes' model, which fails on a field it does not know;
     * every object is named and labelled as the release's, and every selector finds the pods.
     */
    @ParameterizedTest
    @MethodSource("combinations")
    void everyCombinationRendersConsistentObjects(Map<String, Object> settings) {
        RenderedChart chart = RenderedChart.withHooks(settings);
        Map<String, String> podLabels =
                chart.deployment().getSpec().getTemplate().getMetadata().getLabels();
        for (HasMetadata resource : Stream.concat(chart.resources().stream(), chart.hooks().stream())
                .toList()) {
            assertThat(resource.getMetadata().getName()).as(resource.getKind()).startsWith(RenderedChart.RELEASE);
            assertThat(resource.getMetadata().getLabels())
                    .as(resource.getKind())
                    .containsEntry("app.kubernetes.io/instance", RenderedChart.RELEASE);
        }
        for (Service service : chart.all(Service.class)) {
            assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
        }
        chart.disruptionBudget()
                .ifPresent(pdb -> assertThat(podLabels)
                        .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels()));
        assertThat(podLabels)
                .containsAllEntriesOf(chart.deployment().getSpec().getSelector().getMatchLabels());
    }

    @Test
    void valuesAreCheckedAgainstTheSchema() {
        assertRefused(Map.of("servce.type", "LoadBalancer"), "'servce'");
        assertRefused(Map.of("service.typ", "LoadBalancer"), "'typ'");
        assertRefused(Map.of("service.type", "Public"), "'/service/type'");
        assertRefused(Map.of("replicaCount", "two"), "'/replicaCount'");
        assertRefused(Map.of("autoscaling.enabled", "yes please"), "'/autoscaling/enabled'");
        assertRefused(Map.of("models.sha256", "not-a-checksum"), "'/models/sha256'");
        assertRefused(
                Map.of("metrics.prometheusRule.rejectedFraction", 5), "'/metrics/prometheusRule/rejectedFraction'");
    }

    @Test
    void exposingTheApiWithoutSecurityIsWarnedAbout() {
        assertThat(RenderedChart.notes(Map.of())).doesNotContain("WARNING");
        assertThat(RenderedChart.notes(Map.of("service.type", "LoadBalancer")))
                .contains("WARNING: the API is exposed beyond the cluster (Service type LoadBalancer)")
                .contains("security.mode none");
        assertThat(RenderedChart.notes(Map.of("ingress.enabled", true))).contains("WARNING", "(Ingress)");
        assertThat(RenderedChart.notes(Map.of(
                        "service.type",
                        "LoadBalancer",
                        "security.mode",
                        "api-key",
                        "security.apiKeys.existingSecret",
                        "keys")))
                .doesNotContain("WARNING");
    }

    @Test
    void thePodsRunAsTheirOwnServiceAccountWithoutAnApiToken() {
        RenderedChart chart = RenderedChart.render(
                List.of(), Map.of("serviceAccount.annotations.iam\\.gke\\.io/gcp-service-account", "m@p.iam"));
        ServiceAccount account = chart.one(ServiceAccount.class);
        assertThat(chart.pod().getServiceAccountName())
                .isEqualTo(account.getMetadata().getName());
        assertThat(account.getAutomountServiceAccountToken()).isFalse();
        assertThat(chart.pod().getAutomountServiceAccountToken()).isFalse();
        assertThat(account.getMetadata().getAnnotations()).containsEntry("iam.gke.io/gcp-service-account", "m@p.iam");

        RenderedChart existing = RenderedChart.render(
                List.of(), Map.of("serviceAccount.create", false, "serviceAccount.name", "shared"));
        assertThat(existing.find(ServiceAccount.class)).isEmpty();
        assertThat(existing.pod().getServiceAccountName()).isEqualTo("shared");
    }

    @Test
    void podsSpreadAcrossNodesByDefault() {
        RenderedChart chart = RenderedChart.defaults();
        PodSpec pod = chart.pod();
        assertThat(pod.getTopologySpreadConstraints())
                .extracting(TopologySpreadConstraint::getTopologyKey)
                .contains("kubernetes.io/hostname");
        Map<String, String> podLabels =
                chart.deployment().getSpec().getTemplate().getMetadata().getLabels();
        for (TopologySpreadConstraint constraint : pod.getTopologySpreadConstraints()) {
            assertThat(podLabels)
                    .containsAllEntriesOf(constraint.getLabelSelector().getMatchLabels());
            assertThat(constraint.getWhenUnsatisfiable()).isEqualTo("ScheduleAnyway");
            assertThat(constraint.getMaxSkew()).isEqualTo(1);
        }

        RenderedChart own = RenderedChart.render(
                List.of(),
                Map.of(
                        "topologySpreadConstraints[0].topologyKey", "rack",
                        "topologySpreadConstraints[0].maxSkew", 2,
                        "topologySpreadConstraints[0].whenUnsatisfiable", "DoNotSchedule"));
        assertThat(own.pod().getTopologySpreadConstraints())
                .singleElement()
                .satisfies(constraint -> assertThat(constraint.getTopologyKey()).isEqualTo("rack"));
        assertThat(RenderedChart.render(List.of(), Map.of("topologySpread.enabled", false))
                        .pod()
                        .getTopologySpreadConstraints())
                .isNullOrEmpty();
    }

    @Test
    void extraVolumesAndTheRuntimeClassReachThePod() {
        RenderedChart chart = RenderedChart.render(
                List.of(RenderedChart.GPU_VALUES),
                Map.of(
                        "runtimeClassName", "nvidia",
                        "extraVolumes[0].name", "ca",
                        "extraVolumes[0].configMap.name", "corporate-ca",
                        "extraVolumeMounts[0].name", "ca",
                        "extraVolumeMounts[0].mountPath", "/etc/ssl/corporate",
                        "extraVolumeMounts[0].readOnly", true));
        assertThat(chart.pod().getRuntimeClassName()).isEqualTo("nvidia");
        assertThat(chart.pod().getVolumes())
                .filteredOn(volume -> volume.getName().equals("ca"))
                .singleElement()
                .satisfies(volume -> assertThat(volume.getConfigMap().getName()).isEqualTo("corporate-ca"));
        assertThat(chart.container().getVolumeMounts()).anySatisfy(mount -> {
            assertThat(mount.getName()).isEqualTo("ca");
            assertThat(mount.getMountPath()).isEqualTo("/etc/ssl/corporate");
        });
        // The chart's own volumes stay.
        assertThat(chart.container().getVolumeMounts())
                .extracting(io.fabric8.kubernetes.api.model.VolumeMount::getMountPath)
                .contains("/tmp");
        assertThat(RenderedChart.defaults().pod().getRuntimeClassName()).isNull();
    }

    @Test
    void helmTestClassifiesTheBundledImageThroughTheService() throws Exception {
        assertThat(Files.readString(RenderedChart.CHART.resolve("templates/tests/classify.yaml")))
                .contains("helm.sh/hook: test");
        RenderedChart chart = RenderedChart.withHooks(Map.of());
        Pod test = testPod(chart);
        String url = HelmTestHookTest.env(test, "CLASSIFY_URL");
        String service = chart.service().getMetadata().getName();
        assertThat(url)
                .startsWith("http://" + service + ":"
                        + chart.service().getSpec().getPorts().get(0).getPort() + "/classify?");
        ConfigMap image = chart.hooks().stream()
                .filter(ConfigMap.class::isInstance)
                .map(ConfigMap.class::cast)
                .findFirst()
                .orElseThrow();
        assertThat(java.util.Base64.getDecoder().decode(image.getBinaryData().get("test-image.png")))
                .isEqualTo(Files.readAllBytes(RenderedChart.CHART.resolve("files/test-image.png")));
        assertThat(test.getSpec().getVolumes())
                .anySatisfy(volume -> assertThat(volume.getConfigMap().getName())
                        .isEqualTo(image.getMetadata().getName()));
        assertThat(chart.resources())
                .as("only `helm test` creates them")
                .noneMatch(resource -> resource instanceof Pod);
    }

    @Test
    void thePrometheusRuleIsOptionalAndWatchesTheRelease() {
        assertThat(RenderedChart.defaults().custom("monitoring.coreos.com/v1", "PrometheusRule"))
                .isEmpty();
        List<String> alerts =
                alertNames(rule(RenderedChart.render(List.of(), Map.of("metrics.prometheusRule.enabled", true))));
        assertThat(alerts)
                .containsExactlyInAnyOrder(
                        "InceptionModelNotReady",
                        "InceptionQueueSaturated",
                        "InceptionImagesRejected",
                        "InceptionLatencyHigh",
                        "InceptionMemoryNearLimit");
    }

    static GenericKubernetesResource rule(RenderedChart chart) {
        return chart.custom("monitoring.coreos.com/v1", "PrometheusRule").orElseThrow();
    }

    /** Each alert rule of a PrometheusRule, as a map of its fields. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> alertRules(GenericKubernetesResource rule) {
        Map<String, Object> spec =
                (Map<String, Object>) rule.getAdditionalProperties().get("spec");
        return ((List<Map<String, Object>>) spec.get("groups"))
                .stream()
                        .flatMap(group -> ((List<Map<String, Object>>) group.get("rules")).stream())
                        .toList();
    }

    private static List<String> alertNames(GenericKubernetesResource rule) {
        return alertRules(rule).stream().map(r -> (String) r.get("alert")).toList();
    }

    static Pod testPod(RenderedChart chart) {
        return chart.hooks().stream()
                .filter(Pod.class::isInstance)
                .map(Pod.class::cast)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no helm test pod rendered"));
    }

    private static void assertRefused(Map<String, Object> settings, String reason) {
        assertThatThrownBy(() -> RenderedChart.render(List.of(), settings))
                .as(settings.toString())
                .hasMessageContaining("schema")
                .hasMessageContaining(reason);
    }
}
