package io.inceptionserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.Prerequisites;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.io.ClassPathResource;
import org.yaml.snakeyaml.Yaml;

/**
 * The rules both images keep, read from the Dockerfiles, and the CPU image's native-baking build
 * step run here as written. No Docker engine is needed: the engine step is plain Java.
 */
class DockerfileTest {

    static final Path CPU = Path.of("docker/Dockerfile");
    static final Path CUDA = Path.of("docker/Dockerfile.cuda");
    /** Where the CPU build stage unpacks the application's libraries. */
    private static final String IMAGE_LIB_DIR = "/extracted/dependencies/lib";
    /** DJL's jar of libtorch for this platform. */
    private static final String NATIVE_JAR = "pytorch-native-cpu-";

    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(PASSWORD|PASSWD|TOKEN|SECRET|KEY|CREDENTIAL).*");

    @TempDir
    Path scratch;

    @ParameterizedTest
    @ValueSource(strings = {"docker/Dockerfile", "docker/Dockerfile.cuda"})
    void baseImagesArePinnedToExactVersions(Path file) throws IOException {
        Dockerfile dockerfile = Dockerfile.read(file);
        assertThat(dockerfile.externalImages()).isNotEmpty().allSatisfy(image -> {
            String tag = tag(image);
            assertThat(tag).as(image).isNotEqualTo("latest").containsPattern("\\d+\\.\\d+\\.\\d+");
            if (image.startsWith("eclipse-temurin:")) {
                assertThat(tag).as("the Java release the project compiles for").startsWith(javaRelease() + ".");
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker/Dockerfile", "docker/Dockerfile.cuda"})
    void runsAsTheNonRootUserTheChartExpects(Path file) throws IOException {
        String user = Dockerfile.read(file).finalStage().user().orElseThrow(() -> new AssertionError("no USER"));
        assertThat(user).as("numeric, so Kubernetes can check runAsNonRoot").matches("\\d+:\\d+");
        String[] ids = user.split(":");
        Map<String, Object> pod = chartValue("podSecurityContext");
        assertThat(Integer.parseInt(ids[0])).isNotZero().isEqualTo(pod.get("runAsUser"));
        assertThat(Integer.parseInt(ids[1])).isNotZero().isEqualTo(pod.get("runAsGroup"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker/Dockerfile", "docker/Dockerfile.cuda"})
    void noSecretsAreBuiltIn(Path file) throws IOException {
        Dockerfile dockerfile = Dockerfile.read(file);
        List<String> names = new ArrayList<>(dockerfile.globalArgs().keySet());
        dockerfile.stages().forEach(stage -> {
            names.addAll(stage.env().keySet());
            names.addAll(stage.args().keySet());
        });
        assertThat(names)
                .isNotEmpty()
                .noneMatch(name -> SECRET_NAME.matcher(name).matches());
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker/Dockerfile", "docker/Dockerfile.cuda"})
    void theContainerRunsOfflineWithTheChartsJvmOptionsAndAHealthcheck(Path file) throws IOException {
        Dockerfile.Stage runtime = Dockerfile.read(file).finalStage();
        Map<String, String> env = runtime.env();
        assertThat(env).containsEntry("DJL_OFFLINE", "true");
        assertThat(env.get("JDK_JAVA_OPTIONS"))
                .contains("-XX:MaxRAMPercentage=", "-XX:+ExitOnOutOfMemoryError")
                .as("docker run and the Helm chart start the JVM alike")
                .isEqualTo(this.<Map<String, Object>>chartValue("jvm").get("options"));

        String serverPort = applicationProperty("server.port", "8080");
        String managementPort = applicationProperty("management.server.port", serverPort);
        assertThat(runtime.all("EXPOSE"))
                .singleElement()
                .extracting(Dockerfile.Instruction::arguments)
                .isEqualTo(serverPort + " " + managementPort);
        String readiness = applicationProperty("management.endpoints.web.base-path", "/actuator") + "/health/readiness";
        assertThat(runtime.healthcheck())
                .hasValueSatisfying(command -> assertThat(String.join(" ", command))
                        .contains(readiness)
                        .as("checks the application's management port unless told another")
                        .contains("${MANAGEMENT_SERVER_PORT:-" + managementPort + "}"));
        assertThat(runtime.all("ENTRYPOINT"))
                .singleElement()
                .extracting(Dockerfile.Instruction::arguments)
                .isEqualTo("[\"java\", \"-jar\", \"/app/inception-serve.jar\"]");
    }

    /**
     * Runs the build stage's engine step and the steps after it (stripping the natives, thinning
     * the native jar) as written, then loads the engine again the way a container does: the
     * second load must find everything in the cache, with the thinned jar, and write nothing.
     */
    @Test
    void theCpuImageUnpacksThePyTorchNativesWhileItIsBuilt() throws Exception {
        Prerequisites.onPath("strip", "binutils", "the image's native-trimming build step");
        Dockerfile dockerfile = Dockerfile.read(CPU);
        Dockerfile.Stage build = dockerfile.stages().stream()
                .filter(stage -> stage.all("RUN").stream()
                        .anyMatch(run -> run.arguments().contains("PreloadPyTorch")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no build step loads the engine"));
        List<String> runs =
                build.all("RUN").stream().map(Dockerfile.Instruction::arguments).toList();
        int preloadStep = runs.indexOf(runs.stream()
                .filter(run -> run.contains("PreloadPyTorch"))
                .findFirst()
                .orElseThrow());
        String preload = runs.get(preloadStep);
        assertThat(preload).contains(IMAGE_LIB_DIR);
        String cacheDir = build.env().get("DJL_CACHE_DIR");
        assertThat(build.env()).containsEntry("DJL_OFFLINE", "true");
        assertThat(dockerfile.finalStage().env()).containsEntry("DJL_CACHE_DIR", cacheDir);
        assertThat(dockerfile.finalStage().all("COPY"))
                .anySatisfy(copy -> assertThat(copy.arguments())
                        .contains("--from=" + build.name())
                        .contains(cacheDir + "/ " + cacheDir + "/"));

        Path cache = scratch.resolve("djl-cache");
        Map<String, String> env =
                Map.of("DJL_CACHE_DIR", cache.toString(), "DJL_OFFLINE", "true", "TMPDIR", scratch.toString());
        String built = run(
                List.of(
                        "bash",
                        "-ec",
                        preload.replace(IMAGE_LIB_DIR, testLibraries().toString())),
                env);
        assertThat(built).contains("Extracting", "natives in " + cache.resolve("pytorch"));
        Path natives =
                Path.of(built.substring(built.indexOf("natives in ") + 11).strip());
        long unstripped = Files.size(natives.resolve("libtorch_cpu.so"));
        for (String step : runs.subList(preloadStep + 1, runs.size())) {
            run(
                    List.of(
                            "bash",
                            "-ec",
                            step.replace(IMAGE_LIB_DIR, testLibraries().toString())),
                    env);
        }
        assertThat(Files.size(natives.resolve("libtorch_cpu.so"))).isLessThan(unstripped);
        try (Stream<Path> files = Files.list(natives)) {
            assertThat(files.map(path -> path.getFileName().toString()))
                    .anyMatch(name -> name.endsWith("-libdjl_torch.so"));
        }
        try (Stream<Path> jars = Files.list(testLibraries())) {
            assertThat(jars.filter(jar -> jar.getFileName().toString().startsWith(NATIVE_JAR)))
                    .singleElement()
                    .satisfies(jar -> assertThat(Files.size(jar))
                            .as("the native jar keeps its descriptor only")
                            .isLessThan(64 * 1024));
        }
        Map<Path, String> baked = listing(cache);
        try (Stream<Path> files = Files.walk(cache)) {
            assertThat(files.toList())
                    .as("readable whatever user the container runs as")
                    .allSatisfy(path -> assertThat(Files.getPosixFilePermissions(path))
                            .contains(
                                    Files.isDirectory(path)
                                            ? new PosixFilePermission[] {
                                                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE
                                            }
                                            : new PosixFilePermission[] {PosixFilePermission.OTHERS_READ}));
        }

        String started = run(List.of(java(), "-cp", testLibraries() + "/*", "docker/PreloadPyTorch.java"), env);
        assertThat(started).doesNotContain("Extracting").contains("natives in " + natives);
        assertThat(listing(cache)).isEqualTo(baked);
    }

    @Test
    void theCudaImageCarriesTheLibtorchBuildDjlExpects() throws IOException {
        Dockerfile dockerfile = Dockerfile.read(CUDA);
        Map<String, String> env = dockerfile.finalStage().env();
        String version = env.get("PYTORCH_VERSION");
        String flavor = env.get("PYTORCH_FLAVOR");
        String libraryPath = env.get("PYTORCH_LIBRARY_PATH");

        // DJL refuses a JNI bridge built for another libtorch; the jar says which one it carries.
        Properties jni = new Properties();
        try (InputStream in = new ClassPathResource("jnilib/pytorch.properties").getInputStream()) {
            jni.load(in);
        }
        assertThat(jni.getProperty("jni_version")).startsWith(version + "-");
        String jniEntry = "jnilib/linux-x86_64/" + flavor + "/libdjl_torch.so";
        assertThat(new ClassPathResource(jniEntry).exists())
                .as(jniEntry + " in pytorch-jni")
                .isTrue();

        Dockerfile.Stage libtorch = dockerfile.stage("libtorch").orElseThrow();
        assertThat(libtorch.args().get("LIBTORCH_URL"))
                .contains("/" + flavor + "/")
                .endsWith("-" + version + "%2B" + flavor + ".zip");
        assertThat(libtorch.all("RUN"))
                .anySatisfy(run ->
                        assertThat(run.arguments()).contains(jniEntry).contains(libraryPath + "/libdjl_torch.so"));
        assertThat(dockerfile.finalStage().all("COPY"))
                .anySatisfy(copy -> assertThat(copy.arguments())
                        .isEqualTo("--from=libtorch " + libraryPath + "/ " + libraryPath + "/"));

        Matcher cuda = Pattern.compile("cu(\\d+)(\\d)").matcher(flavor);
        assertThat(cuda.matches()).as(flavor).isTrue();
        assertThat(tag(dockerfile.finalStage().image())).startsWith(cuda.group(1) + "." + cuda.group(2) + ".");
    }

    /** Several GB of native code must not enter the image unverified: no checksum, no build. */
    @Test
    void theCudaImageRefusesToBuildWithoutTheLibtorchChecksum() throws Exception {
        Dockerfile.Stage libtorch = Dockerfile.read(CUDA).stage("libtorch").orElseThrow();
        assertThat(libtorch.args()).as("no default checksum").containsEntry("LIBTORCH_SHA256", "");
        List<Dockerfile.Instruction> runs = libtorch.all("RUN");
        Dockerfile.Instruction guard = runs.get(0);
        Dockerfile.Instruction download = runs.stream()
                .filter(run -> run.arguments().contains("$LIBTORCH_URL"))
                .findFirst()
                .orElseThrow();
        assertThat(runs.indexOf(guard)).isLessThan(runs.indexOf(download));
        assertThat(download.arguments())
                .contains("sha256sum -c")
                .as("the check is unconditional")
                .doesNotContain("if [");

        List<String> shell = List.of("sh", "-ec", guard.arguments());
        Map<String, String> unset = new java.util.HashMap<>();
        unset.put("LIBTORCH_SHA256", null);
        Processes.Result missing = Processes.run(shell, unset);
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.output()).contains("LIBTORCH_SHA256 must be");
        for (String wrong : List.of("", "0123abc", "Z".repeat(64), "0".repeat(63))) {
            assertThat(Processes.run(shell, Map.of("LIBTORCH_SHA256", wrong)).exitCode())
                    .as("LIBTORCH_SHA256=" + wrong)
                    .isNotZero();
        }
        assertThat(Processes.run(shell, Map.of("LIBTORCH_SHA256", "0123456789abcdef".repeat(4)))
                        .exitCode())
                .isZero();
    }

    @Test
    void theBuildContextKeepsTheSourcesAndLeavesOutBuildOutput() throws IOException {
        List<String> ignored = Files.readAllLines(Path.of(".dockerignore")).stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .map(line -> line.endsWith("/") ? line.substring(0, line.length() - 1) : line)
                .toList();
        assertThat(ignored).contains("target", ".git");
        for (Path file : List.of(CPU, CUDA)) {
            for (Dockerfile.Stage stage : Dockerfile.read(file).stages()) {
                stage.all("COPY").stream()
                        .filter(copy -> !copy.arguments().startsWith("--from"))
                        .flatMap(copy -> {
                            String[] words = copy.arguments().split("\\s+");
                            return Stream.of(words).limit(words.length - 1L);
                        })
                        .forEach(source -> {
                            assertThat(Path.of(source))
                                    .as(file + ": COPY " + source)
                                    .exists();
                            assertThat(ignored).as(file + ": COPY " + source).noneMatch(source::startsWith);
                        });
            }
        }
    }

    private static String tag(String image) {
        int colon = image.lastIndexOf(':');
        assertThat(colon).as(image + " has no tag").isGreaterThan(image.lastIndexOf('/'));
        return image.substring(colon + 1);
    }

    private static String javaRelease() throws IOException {
        Matcher release =
                Pattern.compile("<java.version>(\\d+)</java.version>").matcher(Files.readString(Path.of("pom.xml")));
        assertThat(release.find()).isTrue();
        return release.group(1);
    }

    @SuppressWarnings("unchecked")
    private <T> T chartValue(String key) throws IOException {
        Map<String, Object> values = new Yaml().load(Files.readString(RenderedChart.CHART.resolve("values.yaml")));
        return (T) values.get(key);
    }

    private static String applicationProperty(String name, String springDefault) throws IOException {
        var sources = new YamlPropertySourceLoader().load("application", new ClassPathResource("application.yaml"));
        Object value = sources.get(0).getProperty(name);
        return value == null ? springDefault : value.toString();
    }

    /**
     * The test class path's jars in one directory, standing for the image's library directory:
     * links, but a copy of the native jar, which the build rewrites.
     */
    private Path testLibraries() throws IOException {
        Path lib = scratch.resolve("lib");
        if (Files.notExists(lib)) {
            Files.createDirectories(lib);
            for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                Path jar = Path.of(entry);
                Path target = lib.resolve(jar.getFileName());
                if (!entry.endsWith(".jar") || Files.exists(target)) {
                    continue;
                }
                if (jar.getFileName().toString().startsWith(NATIVE_JAR)) {
                    Files.copy(jar, target);
                } else {
                    Files.createSymbolicLink(target, jar.toAbsolutePath());
                }
            }
        }
        return lib;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String run(List<String> command, Map<String, String> env) throws Exception {
        Processes.Result result = Processes.run(command, env);
        assertThat(result.exitCode()).as(result.output()).isZero();
        return result.output();
    }

    /** Every file under a directory with its size, modification time and permissions. */
    private static Map<Path, String> listing(Path root) throws IOException {
        Map<Path, String> listing = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.toList()) {
                listing.put(
                        root.relativize(file),
                        Files.size(file) + " " + Files.getLastModifiedTime(file) + " "
                                + PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            }
        }
        return listing;
    }
}
