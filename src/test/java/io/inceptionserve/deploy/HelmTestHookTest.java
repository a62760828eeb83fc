package io.inceptionserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.inceptionserve.api.RunningServiceTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The `helm test` pod's script, run here as the pod would run it, against the service on a real
 * port with the real engine: the Service's address becomes this host's.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "inception.inference.warmup-iterations=0")
class HelmTestHookTest extends RunningServiceTest {

    @TempDir
    Path scratch;

    @Test
    void theTestPodPassesAgainstTheServiceAndFailsOnAWrongAnswer() throws Exception {
        RenderedChart chart = RenderedChart.withHooks(Map.of());
        Pod pod = ChartDefaultsTest.testPod(chart);
        Container test = pod.getSpec().getContainers().get(0);
        Map<String, String> env = environment(chart, pod);

        Processes.Result passed = Processes.run(test.getCommand(), env);
        assertThat(passed.exitCode()).as(passed.output()).isZero();
        assertThat(passed.output()).contains("\"label\":\"" + env.get("EXPECTED_LABEL") + "\"");

        env.put("EXPECTED_LABEL", "Trouser");
        assertThat(Processes.run(test.getCommand(), env).exitCode()).isNotZero();

        env.put("CLASSIFY_URL", env.get("CLASSIFY_URL").replace("model=", "model=no-such-"));
        assertThat(Processes.run(test.getCommand(), env).exitCode())
                .as("a 404 fails the test")
                .isNotZero();
    }

    /** The pod's environment, its image written where it mounts it and its URL pointed here. */
    private Map<String, String> environment(RenderedChart chart, Pod pod) throws Exception {
        ConfigMap images = chart.hooks().stream()
                .filter(ConfigMap.class::isInstance)
                .map(ConfigMap.class::cast)
                .findFirst()
                .orElseThrow();
        Map<String, String> env = new HashMap<>();
        pod.getSpec()
                .getContainers()
                .get(0)
                .getEnv()
                .forEach(variable -> env.put(variable.getName(), variable.getValue()));
        String mountPath =
                pod.getSpec().getContainers().get(0).getVolumeMounts().get(0).getMountPath();
        String file = env.get("TEST_IMAGE").substring(mountPath.length() + 1);
        Path image = scratch.resolve(file);
        Files.write(image, Base64.getDecoder().decode(images.getBinaryData().get(file)));
        env.put("TEST_IMAGE", image.toString());
        String serviceAddress = chart.service().getMetadata().getName() + ":"
                + chart.service().getSpec().getPorts().get(0).getPort();
        env.put("CLASSIFY_URL", env.get("CLASSIFY_URL").replace(serviceAddress, "localhost:" + port));
        return env;
    }

    static String env(Pod pod, String name) {
        return pod.getSpec().getContainers().get(0).getEnv().stream()
                .filter(variable -> name.equals(variable.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the test pod has no " + name))
                .getValue();
    }
}
