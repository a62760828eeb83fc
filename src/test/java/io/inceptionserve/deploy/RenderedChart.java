package io.inceptionserve.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.springframework.util.FileSystemUtils;

/**
 * The chart's manifests as `helm template` renders them, parsed into Kubernetes' own model: the
 * release's resources, and apart from them the hooks (`helm test`'s) Helm creates only on demand.
 */
record RenderedChart(String yaml, List<HasMetadata> resources, List<HasMetadata> hooks) {

    static final Path CHART = Path.of("helm/inception-serve");
    static final Path GPU_VALUES = CHART.resolve("values-gpu.yaml");
    /** `helm template` assumes an old Kubernetes unless told; the chart needs 1.25 or later. */
    static final String KUBE_VERSION = "1.30.0";

    static final String RELEASE = "demo";

    private static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();

    /**
     * The annotation that marks a hook in {@link #withHooks}' copy of the chart. helm-java's
     * template prints the release's manifest only, without the hooks `helm template` adds.
     */
    private static final String RENAMED_HOOK = "rendered-by-test/hook";

    /** Renders with the default values, then each values file in order, then each --set pair. */
    static RenderedChart render(List<Path> valuesFiles, Map<String, Object> settings) {
        return render(CHART, valuesFiles, settings);
    }

    /** Like {@link #render}, the `helm test` hooks included. */
    static RenderedChart withHooks(Map<String, Object> settings) {
        try {
            Path copy = Files.createTempDirectory("chart").resolve(CHART.getFileName());
            FileSystemUtils.copyRecursively(CHART, copy);
            try (Stream<Path> tests = Files.list(copy.resolve("templates/tests"))) {
                for (Path template : tests.toList()) {
                    Files.writeString(
                            template, Files.readString(template).replace("helm.sh/hook:", RENAMED_HOOK + ":"));
                }
            }
            RenderedChart chart = render(copy, List.of(), settings);
            FileSystemUtils.deleteRecursively(copy.getParent());
            return chart;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RenderedChart render(Path chart, List<Path> valuesFiles, Map<String, Object> settings) {
        TemplateCommand template = new Helm(chart).template().withName(RELEASE).withKubeVersion(KUBE_VERSION);
        valuesFiles.forEach(template::withValuesFile);
        settings.forEach(template::set);
        String yaml = template.call();
        List<HasMetadata> rendered = KUBERNETES.unmarshal(yaml);
        rendered.forEach(resource -> assertNoUnknownFields(resource, resource.getKind()));
        Map<Boolean, List<HasMetadata>> byHook =
                rendered.stream().collect(java.util.stream.Collectors.partitioningBy(RenderedChart::isHook));
        return new RenderedChart(yaml, byHook.get(false), byHook.get(true));
    }

    private static boolean isHook(HasMetadata resource) {
        Map<String, String> annotations = resource.getMetadata().getAnnotations();
        return annotations != null
                && (annotations.containsKey("helm.sh/hook") || annotations.containsKey(RENAMED_HOOK));
    }

    /** What `helm install` prints after installing with these settings: the chart's NOTES.txt. */
    static String notes(Map<String, Object> settings) {
        var install = new Helm(CHART)
                .install()
                .withName(RELEASE)
                .withKubeVersion(KUBE_VERSION)
                .dryRun()
                .clientOnly();
        settings.forEach(install::set);
        return install.call().getOutput();
    }

    /**
     * Kubernetes' model keeps fields it does not know (a misspelt one, or one in the wrong place)
     * aside instead of failing; the API server would reject or drop them, so they fail here.
     */
    private static void assertNoUnknownFields(Object node, String path) {
        if (node instanceof Collection<?> items) {
            int index = 0;
            for (Object item : items) {
                assertNoUnknownFields(item, path + "[" + index++ + "]");
            }
        } else if (node instanceof Map<?, ?> entries) {
            entries.forEach((key, value) -> assertNoUnknownFields(value, path + "." + key));
        } else if (node != null
                && !(node instanceof GenericKubernetesResource)
                && node.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
            for (Method getter : node.getClass().getMethods()) {
                if (getter.getParameterCount() > 0
                        || !getter.getName().startsWith("get")
                        || getter.getDeclaringClass() == Object.class) {
                    continue;
                }
                Object value = invoke(getter, node);
                if (getter.getName().equals("getAdditionalProperties")) {
                    if (value instanceof Map<?, ?> unknown && !unknown.isEmpty()) {
                        throw new AssertionError("unknown fields at " + path + ": " + unknown.keySet());
                    }
                } else {
                    assertNoUnknownFields(value, path + "." + getter.getName().substring(3));
                }
            }
        }
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(getter.toString(), e);
        }
    }

    static RenderedChart defaults() {
        return render(List.of(), Map.of());
    }

    static RenderedChart gpu() {
        return render(List.of(GPU_VALUES), Map.of());
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type) {
        List<T> found = all(type);
        if (found.size() > 1) {
            throw new AssertionError("more than one " + type.getSimpleName() + " rendered");
        }
        return found.stream().findFirst();
    }

    <T extends HasMetadata> T one(Class<T> type) {
        return find(type).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " rendered"));
    }

    Optional<GenericKubernetesResource> custom(String apiVersion, String kind) {
        return resources.stream()
                .filter(resource -> apiVersion.equals(resource.getApiVersion()) && kind.equals(resource.getKind()))
                .map(GenericKubernetesResource.class::cast)
                .findFirst();
    }

    Deployment deployment() {
        return one(Deployment.class);
    }

    PodSpec pod() {
        return deployment().getSpec().getTemplate().getSpec();
    }

    Container container() {
        List<Container> containers = pod().getContainers();
        if (containers.size() != 1) {
            throw new AssertionError("expected one application container, found " + containers.size());
        }
        return containers.get(0);
    }

    /** The application's Service: the API, behind the load balancer. */
    Service service() {
        return serviceNamed(deployment().getMetadata().getName());
    }

    /** The management port's Service, inside the cluster. */
    Service managementService() {
        return serviceNamed(deployment().getMetadata().getName() + "-management");
    }

    private Service serviceNamed(String name) {
        return all(Service.class).stream()
                .filter(service -> name.equals(service.getMetadata().getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Service " + name + " rendered"));
    }

    Optional<HorizontalPodAutoscaler> autoscaler() {
        return find(HorizontalPodAutoscaler.class);
    }

    Optional<PodDisruptionBudget> disruptionBudget() {
        return find(PodDisruptionBudget.class);
    }

    /** The ConfigMap the pod mounts as its Spring configuration. */
    ConfigMap springConfig() {
        String name = pod().getVolumes().stream()
                .filter(volume -> volume.getConfigMap() != null)
                .map(volume -> volume.getConfigMap().getName())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no ConfigMap volume in the pod"));
        return all(ConfigMap.class).stream()
                .filter(map -> name.equals(map.getMetadata().getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("ConfigMap " + name + " is mounted but not rendered"));
    }

    /** A container port's number from its name, as a probe or Service names it. */
    int containerPort(String name) {
        return container().getPorts().stream()
                .filter(port -> name.equals(port.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + name))
                .getContainerPort();
    }
}
