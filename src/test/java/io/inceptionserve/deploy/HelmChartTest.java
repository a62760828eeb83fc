package io.inceptionserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.inceptionserve.Prerequisites;
import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.security.ApiSecurityProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.util.FileSystemUtils;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Helm chart, linted and rendered by real Helm, checked against the application's own
 * configuration as Spring would resolve it inside the rendered pod.
 */
class HelmChartTest {

    private static final Quantity ONE_GPU = new Quantity("1");
    private static final String GPU_RESOURCE = "nvidia.com/gpu";

    @TempDir
    Path scratch;

    /** The two values sets the chart ships. */
    enum Shipped {
        DEFAULT(List.of()),
        GPU(List.of(RenderedChart.GPU_VALUES));

        final List<Path> valuesFiles;

        Shipped(List<Path> valuesFiles) {
            this.valuesFiles = valuesFiles;
        }

        RenderedChart render() {
            return RenderedChart.render(valuesFiles, Map.of());
        }

        RenderedChart render(Map<String, Object> settings) {
            return RenderedChart.render(valuesFiles, settings);
        }
    }

    @Test
    void lintFindsNothingWithTheDefaultValues() {
        assertLintClean(RenderedChart.CHART);
    }

    /** Helm's lint takes no values file, so the GPU values are merged into a copy's values.yaml. */
    @Test
    void lintFindsNothingWithTheGpuValues() throws IOException {
        Path copy = scratch.resolve("inception-serve");
        FileSystemUtils.copyRecursively(RenderedChart.CHART, copy);
        Yaml yaml = new Yaml();
        Map<String, Object> values = yaml.load(Files.readString(RenderedChart.CHART.resolve("values.yaml")));
        Map<String, Object> gpu = yaml.load(Files.readString(RenderedChart.GPU_VALUES));
        Files.writeString(copy.resolve("values.yaml"), yaml.dump(mergeValues(values, gpu)));
        assertLintClean(copy);
    }

    @ParameterizedTest
    @EnumSource(Shipped.class)
    void probesAndPortsAreTheApplicationsOwn(Shipped values) {
        RenderedChart chart = values.render();
        PodEnvironment spring = PodEnvironment.of(chart, scratch);
        assertThat(spring.readFrom(scratch))
                .as("the ConfigMap's application.yaml is read")
                .isTrue();

        assertThat(spring.property("management.endpoint.health.probes.enabled")).isEqualTo("true");
        assertThat(spring.property("management.endpoints.web.exposure.include")).contains("health", "prometheus");
        // The startup probe waits on readiness because readiness is what covers model loading.
        assertThat(spring.property("management.endpoint.health.group.readiness.include"))
                .contains("models");

        Container container = chart.container();
        assertThat(chart.containerPort("http")).isEqualTo(spring.serverPort());
        String health = spring.actuatorPath() + "/health";
        assertProbe(chart, container.getStartupProbe().getHttpGet(), health + "/readiness", spring.managementPort());
        assertProbe(chart, container.getReadinessProbe().getHttpGet(), health + "/readiness", spring.managementPort());
        assertProbe(chart, container.getLivenessProbe().getHttpGet(), health + "/liveness", spring.managementPort());

        Service service = chart.service();
        assertThat(service.getSpec().getType())
                .as("inside the cluster unless exposed on purpose")
                .isEqualTo("ClusterIP");
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("http");
            assertThat(port.getTargetPort()).isEqualTo(new IntOrString("http"));
        });
        assertThat(service.getSpec().getSelector())
                .isEqualTo(chart.deployment().getSpec().getSelector().getMatchLabels());
    }

    @Test
    void theManagementPortIsItsOwnAndStaysInsideTheCluster() {
        RenderedChart chart = RenderedChart.render(List.of(), Map.of("metrics.serviceMonitor.enabled", true));
        PodEnvironment spring = PodEnvironment.of(chart, scratch);
        assertThat(spring.managementPort())
                .isNotEqualTo(spring.serverPort())
                .isEqualTo(chart.containerPort("management"));
        assertProbe(
                chart,
                chart.container().getLivenessProbe().getHttpGet(),
                spring.actuatorPath() + "/health/liveness",
                spring.managementPort());

        Service management = chart.managementService();
        assertThat(management.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(management.getSpec().getSelector())
                .isEqualTo(chart.deployment().getSpec().getSelector().getMatchLabels());
        assertThat(management.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("management");
            assertThat(port.getTargetPort()).isEqualTo(new IntOrString("management"));
        });
        assertThat(serviceMonitorEndpoint(chart))
                .containsEntry("port", "management")
                .containsEntry("path", spring.actuatorPath() + "/prometheus");
    }

    @Test
    void bothPortsMayBeOne() {
        RenderedChart chart = RenderedChart.render(
                List.of(),
                Map.of(
                        "ports.management", 8080,
                        "config.management.server.port", 8080));
        PodEnvironment spring = PodEnvironment.of(chart, scratch);
        assertThat(spring.managementPort()).isEqualTo(spring.serverPort());
        assertThat(chart.container().getPorts())
                .singleElement()
                .satisfies(port -> assertThat(port.getName()).isEqualTo("http"));
        assertProbe(
                chart,
                chart.container().getReadinessProbe().getHttpGet(),
                spring.actuatorPath() + "/health/readiness",
                8080);
        assertThat(chart.managementService().getSpec().getPorts())
                .singleElement()
                .satisfies(port -> assertThat(port.getTargetPort()).isEqualTo(new IntOrString("http")));
    }

    @Test
    void apiKeysComeFromTheSecretAndReachTheApplication() {
        RenderedChart chart = RenderedChart.render(
                List.of(),
                Map.of(
                        "security.mode", "api-key",
                        "security.apiKeys.existingSecret", "inception-api-keys"));
        String first = "3f6c0e9a2b7d41c8a5e1";
        String second = "9b2d7f4e1a6c3058d2b7";

        ApiSecurityProperties security = PodEnvironment.of(
                        chart, scratch, Map.of("inception-api-keys/api-keys", first + "," + second))
                .security();

        assertThat(security.mode()).isEqualTo(ApiSecurityProperties.Mode.API_KEY);
        assertThat(security.apiKeys()).containsExactly(first, second);
    }

    @Test
    void oauth2SettingsReachSpring() {
        RenderedChart chart = RenderedChart.render(
                List.of(),
                Map.of(
                        "security.mode", "oauth2",
                        "security.oauth2.issuerUri", "https://login.example.com/realms/inception",
                        "security.oauth2.requiredScope", "classify",
                        "security.corsAllowedOrigins[0]", "https://app.example.com"));
        PodEnvironment spring = PodEnvironment.of(chart, scratch);

        assertThat(spring.property("spring.security.oauth2.resourceserver.jwt.issuer-uri"))
                .isEqualTo("https://login.example.com/realms/inception");
        ApiSecurityProperties security = spring.security();
        assertThat(security.mode()).isEqualTo(ApiSecurityProperties.Mode.OAUTH2);
        assertThat(security.requiredScope()).isEqualTo("classify");
        assertThat(security.cors().allowedOrigins()).containsExactly("https://app.example.com");
        assertThat(chart.container().getEnv())
                .noneMatch(variable -> variable.getName().startsWith("INCEPTION_SECURITY"));
    }

    @Test
    void incompleteSecuritySettingsAreRefused() {
        assertRefused(Map.of("security.mode", "basic"), "'/security/mode': value must be one of");
        assertRefused(Map.of("security.mode", "api-key"), "security.apiKeys.existingSecret");
        assertRefused(Map.of("security.mode", "oauth2"), "security.oauth2.issuerUri");
    }

    @ParameterizedTest
    @EnumSource(Shipped.class)
    void resourcesAreSetAndOnlyTheGpuValuesAskForAGpu(Shipped values) {
        RenderedChart chart = values.render();
        var resources = chart.container().getResources();
        for (Map<String, Quantity> quantities : List.of(resources.getRequests(), resources.getLimits())) {
            assertThat(quantities).containsKeys("cpu", "memory");
        }
        Quantity cpuLimit = resources.getLimits().get("cpu");
        int torchThreads = Integer.parseInt(env(chart.container(), "OMP_NUM_THREADS"));
        assertThat(torchThreads)
                .isPositive()
                .isLessThanOrEqualTo(cpuLimit.getNumericalAmount().intValue());

        PodSpec pod = chart.pod();
        InceptionProperties inception = PodEnvironment.of(chart, scratch).inception();
        if (values == Shipped.GPU) {
            assertThat(resources.getLimits()).containsEntry(GPU_RESOURCE, ONE_GPU);
            assertThat(pod.getNodeSelector()).containsKey("nvidia.com/gpu.present");
            assertThat(pod.getTolerations())
                    .anySatisfy(toleration -> assertThat(toleration.getKey()).isEqualTo(GPU_RESOURCE));
            assertThat(chart.container().getImage()).endsWith("-cuda");
            assertThat(inception.inference().devices()).isEqualTo(InceptionProperties.DeviceMode.GPU);
        } else {
            assertThat(resources.getLimits()).doesNotContainKey(GPU_RESOURCE);
            assertThat(resources.getRequests()).doesNotContainKey(GPU_RESOURCE);
            assertThat(pod.getNodeSelector()).isNullOrEmpty();
            assertThat(pod.getTolerations()).isNullOrEmpty();
            assertThat(chart.container().getImage()).doesNotContain("cuda");
            assertThat(inception.inference().devices()).isEqualTo(InceptionProperties.DeviceMode.AUTO);
        }
    }

    @ParameterizedTest
    @EnumSource(Shipped.class)
    void theAutoscalerOwnsTheReplicaCountAndScalesOnCpu(Shipped values) {
        RenderedChart chart = values.render();
        Deployment deployment = chart.deployment();
        HorizontalPodAutoscaler hpa = chart.autoscaler().orElseThrow();
        var spec = hpa.getSpec();
        assertThat(spec.getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(spec.getScaleTargetRef().getName())
                .isEqualTo(deployment.getMetadata().getName());
        assertThat(spec.getMinReplicas()).isPositive().isLessThanOrEqualTo(spec.getMaxReplicas());
        assertThat(deployment.getSpec().getReplicas())
                .as("left to the autoscaler")
                .isNull();
        assertThat(spec.getMetrics()).singleElement().satisfies(metric -> {
            assertThat(metric.getResource().getName()).isEqualTo("cpu");
            assertThat(metric.getResource().getTarget().getAverageUtilization()).isBetween(1, 100);
        });
        // CPU utilisation is measured against the request.
        assertThat(chart.container().getResources().getRequests()).containsKey("cpu");
    }

    @Test
    void theInflightMetricCanDriveTheAutoscaler() {
        RenderedChart chart = RenderedChart.render(List.of(), Map.of("autoscaling.inflight.enabled", true));
        List<MetricSpec> metrics = chart.autoscaler().orElseThrow().getSpec().getMetrics();
        assertThat(metrics).extracting(MetricSpec::getType).containsExactly("Resource", "Pods");
        assertThat(metrics.get(1).getPods().getMetric().getName()).isEqualTo("inception_requests_inflight");
        assertThat(metrics.get(1).getPods().getTarget().getAverageValue()).isEqualTo(new Quantity("4"));
    }

    @Test
    void withoutAutoscalingTheDeploymentSetsItsReplicas() {
        RenderedChart chart = RenderedChart.render(List.of(), Map.of("autoscaling.enabled", false, "replicaCount", 3));
        assertThat(chart.autoscaler()).isEmpty();
        assertThat(chart.deployment().getSpec().getReplicas()).isEqualTo(3);
    }

    /** Two pods or more: one keeps serving through a drain. */
    @Test
    void theDisruptionBudgetKeepsOnePodOfSeveral() {
        RenderedChart chart = Shipped.DEFAULT.render();
        assertThat(chart.autoscaler().orElseThrow().getSpec().getMinReplicas()).isGreaterThan(1);
        PodDisruptionBudget pdb = chart.disruptionBudget().orElseThrow();
        assertThat(pdb.getSpec().getMinAvailable()).isEqualTo(new IntOrString(1));
        assertThat(pdb.getSpec().getMaxUnavailable()).isNull();
        assertThat(chart.deployment().getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        assertThat(pdb.getSpec().getSelector().getMatchLabels())
                .isEqualTo(chart.deployment().getSpec().getSelector().getMatchLabels());
        assertThat(RenderedChart.render(List.of(), Map.of("autoscaling.enabled", false, "replicaCount", 3))
                        .disruptionBudget())
                .isPresent();
    }

    /** A single pod gets no budget: minAvailable 1 would block every drain, maxUnavailable 1 would protect nothing. */
    @Test
    void aSinglePodHasNoDisruptionBudget() {
        RenderedChart gpu = Shipped.GPU.render();
        assertThat(gpu.autoscaler().orElseThrow().getSpec().getMinReplicas()).isEqualTo(1);
        assertThat(gpu.disruptionBudget()).isEmpty();
        assertThat(RenderedChart.render(List.of(), Map.of("autoscaling.enabled", false, "replicaCount", 1))
                        .disruptionBudget())
                .isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Shipped.class)
    void thePodRunsLockedDown(Shipped values) {
        RenderedChart chart = values.render(Map.of(
                "models.source",
                "url",
                "models.url",
                "https://models.example.com/m.tar.gz",
                "models.sha256",
                "0".repeat(64),
                "models.served.mine",
                "mine"));
        PodSpec pod = chart.pod();
        PodSecurityContext podSecurity = pod.getSecurityContext();
        assertThat(podSecurity.getRunAsNonRoot()).isTrue();
        assertThat(podSecurity.getRunAsUser()).isPositive();
        assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getEnableServiceLinks()).isFalse();

        for (Container container : Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream())
                .toList()) {
            SecurityContext security = container.getSecurityContext();
            assertThat(security.getAllowPrivilegeEscalation())
                    .as(container.getName())
                    .isFalse();
            assertThat(security.getReadOnlyRootFilesystem())
                    .as(container.getName())
                    .isTrue();
            assertThat(security.getCapabilities().getDrop())
                    .as(container.getName())
                    .containsExactly("ALL");
            assertThat(container.getImage()).as(container.getName()).matches(".+:\\d+\\.\\d+\\.\\d+[^:/]*");
        }
        // The root file system is read-only; the JVM, Tomcat and uploads write to /tmp.
        assertThat(mountedVolume(chart, "/tmp").getEmptyDir()).isNotNull();
    }

    @ParameterizedTest
    @EnumSource(Shipped.class)
    void shutdownFinishesWithinTheGracePeriod(Shipped values) {
        RenderedChart chart = values.render();
        PodEnvironment spring = PodEnvironment.of(chart, scratch);
        assertThat(spring.property("server.shutdown")).isEqualTo("graceful");

        List<String> preStop =
                chart.container().getLifecycle().getPreStop().getExec().getCommand();
        assertThat(preStop).hasSize(2).startsWith("sleep");
        Duration drain = Duration.ofSeconds(Long.parseLong(preStop.get(1)));
        Duration springShutdown = spring.shutdownPhaseTimeout();
        Duration grace = Duration.ofSeconds(chart.pod().getTerminationGracePeriodSeconds());
        assertThat(drain).isPositive();
        assertThat(drain.plus(springShutdown))
                .as(
                        "preStop sleep %s + Spring shutdown phase %s within terminationGracePeriodSeconds %s",
                        drain, springShutdown, grace)
                .isLessThan(grace);
    }

    @Test
    void modelsFromAClaimAreServedFromTheMountedVolume() {
        RenderedChart chart = RenderedChart.render(
                List.of(),
                Map.of(
                        "models.source", "pvc",
                        "models.existingClaim", "inception-models",
                        "models.served.fashion", "googlenet-fashion/",
                        "models.defaultModel", "fashion"));
        Volume volume = mountedVolume(chart, "/models");
        assertThat(volume.getPersistentVolumeClaim().getClaimName()).isEqualTo("inception-models");
        assertThat(volume.getPersistentVolumeClaim().getReadOnly()).isTrue();
        assertThat(mount(chart.container(), "/models").getReadOnly()).isTrue();
        assertThat(chart.pod().getInitContainers()).isEmpty();

        InceptionProperties inception = PodEnvironment.of(chart, scratch).inception();
        assertThat(inception.models())
                .containsEntry("fashion", "file:/models/googlenet-fashion/")
                .containsKeys("googlenet", "googlenet-bn", "inception-v2");
        assertThat(inception.defaultModel()).isEqualTo("fashion");
    }

    @Test
    void aModelRepositoryOnAClaimIsServedAndPolled() {
        RenderedChart chart = RenderedChart.render(
                List.of(),
                Map.of(
                        "modelRepository.enabled", true,
                        "modelRepository.existingClaim", "inception-repository",
                        "modelRepository.pollInterval", "15s",
                        "models.defaultModel", "fashion"));
        Volume volume = mountedVolume(chart, "/model-repository");
        assertThat(volume.getPersistentVolumeClaim().getClaimName()).isEqualTo("inception-repository");
        assertThat(volume.getPersistentVolumeClaim().getReadOnly()).isTrue();
        assertThat(mount(chart.container(), "/model-repository").getReadOnly()).isTrue();

        InceptionProperties inception = PodEnvironment.of(chart, scratch).inception();
        assertThat(inception.modelRepository()).isEqualTo("/model-repository");
        assertThat(inception.modelControl()).isEqualTo(InceptionProperties.ModelControl.POLL);
        assertThat(inception.modelRepositoryPoll()).isEqualTo(java.time.Duration.ofSeconds(15));
        assertThat(inception.defaultModel()).isEqualTo("fashion");

        assertThat(RenderedChart.render(List.of(), Map.of()).pod().getVolumes())
                .noneMatch(v -> v.getName().equals("model-repository"));
    }

    @Test
    void aModelRepositoryNeedsItsClaimAndADefaultModel() {
        assertRefused(
                Map.of("modelRepository.enabled", true, "models.defaultModel", "fashion"),
                "modelRepository.existingClaim is needed when modelRepository is enabled");
        assertRefused(
                Map.of("modelRepository.enabled", true, "modelRepository.existingClaim", "inception-repository"),
                "models.defaultModel must name a model of the repository");
        assertRefused(Map.of("modelRepository.modelControl", "manual"), "'/modelRepository/modelControl'");
    }

    @Test
    void modelsFromAUrlAreFetchedByAnInitContainerIntoAnEmptyDir() {
        RenderedChart chart = RenderedChart.render(
                List.of(),
                Map.of(
                        "models.source", "url",
                        "models.url", "https://models.example.com/inception-models.tar.gz",
                        "models.sha256", "0".repeat(64),
                        "models.served.fashion", "googlenet-fashion"));
        assertThat(mountedVolume(chart, "/models").getEmptyDir()).isNotNull();
        Container fetch = chart.pod().getInitContainers().get(0);
        assertThat(mount(fetch, "/models").getReadOnly()).isNotEqualTo(Boolean.TRUE);
        assertThat(env(fetch, "MODELS_URL")).isEqualTo("https://models.example.com/inception-models.tar.gz");
        assertThat(env(fetch, "MODELS_SHA256")).isEqualTo("0".repeat(64));
        assertThat(String.join(" ", fetch.getCommand())).contains("sha256sum -c", "tar -xzf");
        assertThat(PodEnvironment.of(chart, scratch).inception().models())
                .containsEntry("fashion", "file:/models/googlenet-fashion/");
    }

    /** The init container's script, run here on archives of a model directory served over https. */
    @Test
    void theFetchScriptUnpacksAVerifiedArchiveWhereTheServedModelsPointAndRefusesATamperedOne() throws Exception {
        Prerequisites.onPath("curl", "curl", "the chart's model-fetch script");
        Path source = Files.createDirectories(scratch.resolve("source/googlenet-fashion"));
        for (String file : List.of("manifest.json", "labels.txt")) {
            Files.copy(Path.of("src/main/resources/models/googlenet-bn", file), source.resolve(file));
        }
        Path served = Files.createDirectories(scratch.resolve("served"));
        Path archive = tar(served.resolve("models.tar.gz"), source.getParent(), "googlenet-fashion");
        String sha256 = sha256(archive);

        try (HttpsFileServer server = HttpsFileServer.serving(served, scratch)) {
            RenderedChart chart = RenderedChart.render(
                    List.of(),
                    Map.of(
                            "models.source",
                            "url",
                            "models.url",
                            server.url("models.tar.gz"),
                            "models.sha256",
                            sha256,
                            "models.served.fashion",
                            "googlenet-fashion"));
            Container fetch = chart.pod().getInitContainers().get(0);
            Path volume = Files.createDirectories(scratch.resolve("volume"));
            Map<String, String> env = new HashMap<>();
            fetch.getEnv().forEach(variable -> env.put(variable.getName(), variable.getValue()));
            env.put("MODELS_DIR", volume.toString());
            env.put("CURL_CA_BUNDLE", server.caBundle().toString());

            Processes.Result fetched = Processes.run(fetch.getCommand(), env);
            assertThat(fetched.exitCode()).as(fetched.output()).isZero();
            String mountPath = mount(fetch, "/models").getMountPath();
            String location =
                    PodEnvironment.of(chart, scratch).inception().models().get("fashion");
            Path unpacked = Path.of(location.replace("file:" + mountPath, volume.toString()));
            assertThat(unpacked.resolve("manifest.json")).hasSameTextualContentAs(source.resolve("manifest.json"));
            try (Stream<Path> files = Files.list(volume)) {
                assertThat(files)
                        .as("the archive is removed once unpacked")
                        .containsExactly(volume.resolve("googlenet-fashion"));
            }

            assertFetchRefused(fetch, env, Map.of("MODELS_SHA256", "0".repeat(64)), "does not match");
            assertFetchRefused(fetch, env, Map.of("MODELS_SHA256", ""), "models.sha256 is required");
            assertFetchRefused(fetch, env, Map.of("MODELS_URL", archive.toUri().toString()), "must be https://");
            assertFetchRefused(
                    fetch,
                    env,
                    Map.of("MODELS_URL", server.url("models.tar.gz").replace("https:", "http:")),
                    "must be https://");

            Map<String, String> unverified = Map.of("MODELS_SHA256", "", "MODELS_INSECURE_SKIP_CHECKSUM", "true");
            Path optedOut = Files.createDirectories(scratch.resolve("opted-out"));
            Map<String, String> optedOutEnv = new HashMap<>(env);
            optedOutEnv.putAll(unverified);
            optedOutEnv.put("MODELS_DIR", optedOut.toString());
            Processes.Result withoutChecksum = Processes.run(fetch.getCommand(), optedOutEnv);
            assertThat(withoutChecksum.exitCode()).as(withoutChecksum.output()).isZero();
            assertThat(optedOut.resolve("googlenet-fashion/labels.txt")).exists();

            Path linked = Files.createDirectories(scratch.resolve("linked/googlenet-fashion"));
            Files.copy(source.resolve("manifest.json"), linked.resolve("manifest.json"));
            Files.createSymbolicLink(linked.resolve("labels.txt"), Path.of("/etc/passwd"));
            tar(served.resolve("symlink.tar.gz"), linked.getParent(), "googlenet-fashion");
            Files.delete(linked.resolve("labels.txt"));
            Files.createLink(linked.resolve("labels.txt"), linked.resolve("manifest.json"));
            tar(served.resolve("hardlink.tar.gz"), linked.getParent(), "googlenet-fashion");
            tar(served.resolve("parent.tar.gz"), source.getParent(), "googlenet-fashion", "--transform", "s,^,../,");
            for (String hostile : List.of("symlink.tar.gz", "hardlink.tar.gz", "parent.tar.gz")) {
                Map<String, String> hostileEnv = new HashMap<>(unverified);
                hostileEnv.put("MODELS_URL", server.url(hostile));
                assertFetchRefused(fetch, env, hostileEnv, hostile.startsWith("parent") ? "leaving" : "links");
            }
        }
    }

    /** The fetch script, with {@code changes} to its environment, fails saying why and unpacks nothing. */
    private void assertFetchRefused(
            Container fetch, Map<String, String> env, Map<String, String> changes, String reason) throws Exception {
        Path volume = Files.createTempDirectory(scratch, "refused");
        Map<String, String> changed = new HashMap<>(env);
        changed.putAll(changes);
        changed.put("MODELS_DIR", volume.toString());
        Processes.Result result = Processes.run(fetch.getCommand(), changed);
        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output()).contains(reason);
        try (Stream<Path> files = Files.walk(volume)) {
            assertThat(files).as("nothing unpacked").containsExactly(volume);
        }
    }

    private static Path tar(Path archive, Path directory, String member, String... options) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("tar", "-czf", archive.toString()));
        command.addAll(List.of(options));
        command.addAll(List.of("-C", directory.toString(), member));
        Processes.Result result = Processes.run(command, Map.of());
        assertThat(result.exitCode()).as(result.output()).isZero();
        return archive;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void incompleteModelSettingsAreRefused() {
        assertRefused(Map.of("models.source", "s3"), "'/models/source': value must be one of");
        assertRefused(Map.of("models.source", "pvc", "models.served.a", "a"), "models.existingClaim");
        assertRefused(
                Map.of("models.source", "url", "models.sha256", "0".repeat(64), "models.served.a", "a"), "models.url");
        assertRefused(
                Map.of("models.source", "url", "models.url", "https://m.example.com/m.tar.gz", "models.served.a", "a"),
                "models.sha256 is needed");
        assertRefused(
                Map.of(
                        "models.source",
                        "url",
                        "models.url",
                        "http://m.example.com/m.tar.gz",
                        "models.sha256",
                        "0".repeat(64),
                        "models.served.a",
                        "a"),
                "'/models/url'");
        assertRefused(Map.of("models.source", "pvc", "models.existingClaim", "c"), "models.served");
    }

    @Test
    void optionalResourcesAreOffByDefault() {
        RenderedChart chart = RenderedChart.defaults();
        assertThat(chart.find(Ingress.class)).isEmpty();
        assertThat(chart.custom("monitoring.coreos.com/v1", "ServiceMonitor")).isEmpty();
        assertThat(chart.all(ConfigMap.class)).singleElement().isEqualTo(chart.springConfig());
        assertThat(PodEnvironment.of(chart, scratch).security().mode()).isEqualTo(ApiSecurityProperties.Mode.NONE);
    }

    @Test
    void enabledIngressServiceMonitorAndDashboardPointAtTheService() throws IOException {
        RenderedChart chart = RenderedChart.render(
                List.of(),
                Map.of(
                        "ingress.enabled", true,
                        "metrics.serviceMonitor.enabled", true,
                        "metrics.dashboard.enabled", true));
        String service = chart.service().getMetadata().getName();

        var backend = chart.one(Ingress.class)
                .getSpec()
                .getRules()
                .get(0)
                .getHttp()
                .getPaths()
                .get(0)
                .getBackend();
        assertThat(backend.getService().getName()).isEqualTo(service);
        assertThat(backend.getService().getPort().getName()).isEqualTo("http");

        PodEnvironment spring = PodEnvironment.of(chart, scratch);
        assertThat(serviceMonitorEndpoint(chart))
                .containsEntry("port", "management")
                .containsEntry("path", spring.actuatorPath() + "/prometheus");

        ConfigMap dashboard = chart.all(ConfigMap.class).stream()
                .filter(map -> map.getMetadata().getLabels().containsKey("grafana_dashboard"))
                .findFirst()
                .orElseThrow();
        String shipped = Files.readString(RenderedChart.CHART.resolve("dashboards/inception-serve.json"));
        String json = dashboard.getData().get("inception-serve.json");
        JsonMapper mapper = JsonMapper.builder().build();
        assertThat(mapper.readTree(json)).isEqualTo(mapper.readTree(shipped));
    }

    @Test
    void theNetworkPolicyAdmitsTheIngressControllerToTheApiAndMonitoringToTheManagementPort() {
        RenderedChart chart = RenderedChart.render(List.of(), Map.of("networkPolicy.enabled", true));
        NetworkPolicy policy = chart.one(NetworkPolicy.class);
        assertThat(policy.getSpec().getPodSelector().getMatchLabels())
                .isEqualTo(chart.deployment().getSpec().getSelector().getMatchLabels());
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");

        PodEnvironment spring = PodEnvironment.of(chart, scratch);
        Map<Integer, List<NetworkPolicyPeer>> peers = peersByPort(policy);
        assertThat(peers).containsOnlyKeys(spring.serverPort(), spring.managementPort());
        NetworkPolicyPeer sameNamespace = new NetworkPolicyPeer();
        sameNamespace.setPodSelector(new LabelSelector());
        assertThat(peers.get(spring.serverPort())).containsExactly(namespacePeer("ingress-nginx"), sameNamespace);
        assertThat(peers.get(spring.managementPort())).containsExactly(sameNamespace, namespacePeer("monitoring"));
    }

    @Test
    void theNetworkPolicysSourcesAreConfigurableAndAnApiWithoutSourcesIsClosed() throws IOException {
        Path values = scratch.resolve("policy.yaml");
        Files.writeString(values, """
                networkPolicy:
                  enabled: true
                  api:
                    sameNamespace: false
                    from: []
                  management:
                    from:
                      - namespaceSelector:
                          matchLabels:
                            kubernetes.io/metadata.name: observability
                """);
        RenderedChart chart = RenderedChart.render(List.of(values), Map.of());
        PodEnvironment spring = PodEnvironment.of(chart, scratch);
        Map<Integer, List<NetworkPolicyPeer>> peers = peersByPort(chart.one(NetworkPolicy.class));
        assertThat(peers).as("no rule for the API: nothing reaches it").containsOnlyKeys(spring.managementPort());
        assertThat(peers.get(spring.managementPort())).endsWith(namespacePeer("observability"));
        assertThat(RenderedChart.defaults().find(NetworkPolicy.class)).isEmpty();
    }

    /** Helm hands a parent chart's `global` values to every subchart, through its schema. */
    @Test
    void theChartWorksAsASubchartWithGlobalValues() throws IOException {
        Path parent = scratch.resolve("parent");
        FileSystemUtils.copyRecursively(RenderedChart.CHART, parent.resolve("charts/inception-serve"));
        Files.writeString(parent.resolve("Chart.yaml"), """
                apiVersion: v2
                name: parent
                version: 1.0.0
                dependencies:
                  - name: inception-serve
                    version: "%s"
                """.formatted(chartVersion()));
        Files.writeString(parent.resolve("values.yaml"), """
                global:
                  imageRegistry: registry.example.com
                inception-serve:
                  image:
                    repository: registry.example.com/inception-serve
                """);
        assertLintClean(parent);
        RenderedChart chart = RenderedChart.render(parent, List.of(), Map.of());
        assertThat(chart.container().getImage()).startsWith("registry.example.com/inception-serve:");
    }

    @Test
    void theImageMayBePinnedByDigest() {
        String digest = "sha256:" + "0123456789abcdef".repeat(4);
        RenderedChart chart = RenderedChart.render(
                List.of(), Map.of("image.repository", "registry.example.com/inception-serve", "image.digest", digest));
        assertThat(chart.container().getImage()).isEqualTo("registry.example.com/inception-serve@" + digest);
        assertRefused(Map.of("image.digest", "0123abc"), "at '/image/digest': '0123abc' does not match pattern");
    }

    private static String chartVersion() throws IOException {
        Map<String, Object> chart = new Yaml().load(Files.readString(RenderedChart.CHART.resolve("Chart.yaml")));
        return chart.get("version").toString();
    }

    private static Map<Integer, List<NetworkPolicyPeer>> peersByPort(NetworkPolicy policy) {
        Map<Integer, List<NetworkPolicyPeer>> peers = new LinkedHashMap<>();
        for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
            assertThat(rule.getFrom())
                    .as("a rule without sources admits everyone")
                    .isNotEmpty();
            rule.getPorts().forEach(port -> peers.put(port.getPort().getIntVal(), rule.getFrom()));
        }
        return peers;
    }

    private static NetworkPolicyPeer namespacePeer(String namespace) {
        NetworkPolicyPeer peer = new NetworkPolicyPeer();
        peer.setNamespaceSelector(new LabelSelector(List.of(), Map.of("kubernetes.io/metadata.name", namespace)));
        return peer;
    }

    private static void assertLintClean(Path chart) {
        LintResult lint = new Helm(chart).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        assertThat(lint.getMessages()).allSatisfy(message -> assertThat(message).startsWith("[INFO]"));
    }

    private static void assertRefused(Map<String, Object> settings, String reason) {
        assertThatThrownBy(() -> RenderedChart.render(List.of(), settings)).hasMessageContaining(reason);
    }

    private static void assertProbe(RenderedChart chart, HTTPGetAction probe, String path, int port) {
        assertThat(probe.getPath()).isEqualTo(path);
        IntOrString target = probe.getPort();
        int number = target.getIntVal() != null ? target.getIntVal() : chart.containerPort(target.getStrVal());
        assertThat(number).as("probe port of " + path).isEqualTo(port);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> serviceMonitorEndpoint(RenderedChart chart) {
        var monitor = chart.custom("monitoring.coreos.com/v1", "ServiceMonitor").orElseThrow();
        Map<String, Object> spec =
                (Map<String, Object>) monitor.getAdditionalProperties().get("spec");
        Map<String, String> selected =
                (Map<String, String>) ((Map<String, Object>) spec.get("selector")).get("matchLabels");
        assertThat(chart.managementService().getMetadata().getLabels()).containsAllEntriesOf(selected);
        assertThat(chart.service().getMetadata().getLabels().entrySet().containsAll(selected.entrySet()))
                .as("the load balancer's Service is not scraped")
                .isFalse();
        return ((List<Map<String, Object>>) spec.get("endpoints")).get(0);
    }

    private static String env(Container container, String name) {
        return container.getEnv().stream()
                .filter(variable -> name.equals(variable.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no " + name))
                .getValue();
    }

    private static VolumeMount mount(Container container, String path) {
        return container.getVolumeMounts().stream()
                .filter(mount -> path.equals(mount.getMountPath()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " mounts nothing at " + path));
    }

    private static Volume mountedVolume(RenderedChart chart, String path) {
        String name = mount(chart.container(), path).getName();
        return chart.pod().getVolumes().stream()
                .filter(volume -> name.equals(volume.getName()))
                .findFirst()
                .orElseThrow();
    }

    /** Helm's merge of a values file over the defaults: maps merge key by key, anything else is replaced. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> mergeValues(Map<String, Object> base, Map<String, Object> override) {
        Map<String, Object> merged = new LinkedHashMap<>(base);
        override.forEach((key, value) -> merged.merge(
                key,
                value,
                (old, replacement) -> old instanceof Map && replacement instanceof Map
                        ? mergeValues((Map<String, Object>) old, (Map<String, Object>) replacement)
                        : replacement));
        return merged;
    }
}
