package io.inceptionserve.api;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The service in its own JVM, started from the test class path as {@code java -jar} would, so that
 * a test can send it a real SIGTERM ({@link Process#destroy()}).
 */
final class ServiceProcess implements AutoCloseable {

    final int port;
    final int managementPort;
    final Process process;
    private final Path log;

    private ServiceProcess(int port, int managementPort, Process process, Path log) {
        this.port = port;
        this.managementPort = managementPort;
        this.process = process;
        this.log = log;
    }

    /** Starts the service on free ports with {@code arguments} (Spring's {@code --name=value}), its output in {@code logName}. */
    static ServiceProcess start(String logName, String... arguments) throws IOException {
        return start(logName, List.of(), arguments);
    }

    /** As {@link #start(String, String...)}, in a JVM started with {@code jvmOptions}. */
    static ServiceProcess start(String logName, List<String> jvmOptions, String... arguments) throws IOException {
        int port = freePort();
        int managementPort = freePort();
        Path log = Files.createDirectories(Path.of("target")).resolve(logName);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("ai.djl."))
                .forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
        command.addAll(List.of(
                "io.inceptionserve.InceptionServeApplication",
                "--server.port=" + port,
                "--management.server.port=" + managementPort,
                "--inception.inference.warmup-iterations=0"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new ServiceProcess(port, managementPort, process, log);
    }

    Path log() {
        return log;
    }

    URI readiness() {
        return URI.create("http://localhost:" + managementPort + "/actuator/health/readiness");
    }

    void awaitReady(HttpClient http) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (status(http, readiness()) != 200) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("service did not become ready:\n" + Files.readString(log));
            }
            Thread.sleep(250);
        }
    }

    /** The status of a GET, or -1 when none came. */
    static int status(HttpClient http, URI uri) throws InterruptedException {
        try {
            return http.send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
