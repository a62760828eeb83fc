package io.inceptionserve.oip;

import io.inceptionserve.config.InceptionProperties.ModelControl;
import io.inceptionserve.serving.Cancellable;
import io.inceptionserve.serving.ModelControlException;
import io.inceptionserve.serving.ServedModel;
import io.inceptionserve.web.BodyReadingPaths;
import io.inceptionserve.web.ClientDisconnects;
import io.inceptionserve.web.RequestArrival;
import io.swagger.v3.oas.annotations.Hidden;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Open Inference Protocol v2 (KServe, Triton) over HTTP/REST, with Triton's binary tensor
 * data, classification, model configuration and statistics extensions, so existing clients of
 * those servers talk to this one unchanged.
 */
@RestController
@RequestMapping(path = OipController.PATH, produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "Open Inference Protocol v2", description = "KServe / Triton compatible REST API")
@ApiResponse(
        responseCode = "400",
        description = "Bad request",
        content = @Content(schema = @Schema(implementation = Metadata.Error.class)))
@ApiResponse(
        responseCode = "404",
        description = "Unknown model or version",
        content = @Content(schema = @Schema(implementation = Metadata.Error.class)))
@ApiResponse(
        responseCode = "413",
        description = "Request body over the upload limit",
        content = @Content(schema = @Schema(implementation = Metadata.Error.class)))
@ApiResponse(
        responseCode = "503",
        description = "Model loading or failed, overloaded, or a deadline passed (with Retry-After)",
        content = @Content(schema = @Schema(implementation = Metadata.Error.class)))
public class OipController {

    /** Where the protocol is served. */
    static final String PATH = "/v2";

    /** Every endpoint's request body is received whole before it runs. */
    @Bean
    static BodyReadingPaths oipBodies() {
        return new BodyReadingPaths(PATH + "/*");
    }

    static final String SERVER_NAME = "inception-serve";

    /** Triton's extensions this server implements, as its server metadata lists them. */
    static final List<String> EXTENSIONS =
            List.of("binary_tensor_data", "classification", "model_configuration", "model_repository", "statistics");

    private final OipModels models;
    private final OipInference inference;
    private final ClientDisconnects disconnects;
    private final RequestArrival arrival;
    private final InferRequestReader reader;
    private final TritonStatistics statistics;
    private final ApplicationAvailability availability;
    private final JsonMapper json;
    private final String serverVersion;

    public OipController(
            OipModels models,
            OipInference inference,
            ClientDisconnects disconnects,
            RequestArrival arrival,
            InferRequestReader reader,
            TritonStatistics statistics,
            ApplicationAvailability availability,
            JsonMapper json,
            ObjectProvider<BuildProperties> build) {
        this.models = models;
        this.inference = inference;
        this.disconnects = disconnects;
        this.arrival = arrival;
        this.reader = reader;
        this.statistics = statistics;
        this.availability = availability;
        this.json = json;
        BuildProperties properties = build.getIfAvailable();
        this.serverVersion = properties == null ? "unknown" : properties.getVersion();
    }

    @Operation(summary = "Server metadata")
    @GetMapping({"", "/"})
    public Metadata.Server server() {
        return new Metadata.Server(SERVER_NAME, serverVersion, EXTENSIONS);
    }

    @Operation(summary = "Server live")
    @GetMapping("/health/live")
    public Metadata.Live live() {
        return new Metadata.Live(true);
    }

    /** Not ready from the moment the shutdown drain starts, as the readiness probe. */
    @Operation(summary = "Server ready: accepting traffic and every model ready (503 otherwise)")
    @GetMapping("/health/ready")
    public ResponseEntity<Metadata.Ready> ready() {
        boolean ready = availability.getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC && models.allReady();
        return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .body(new Metadata.Ready(ready));
    }

    @Operation(summary = "Model metadata: its version, platform, input and output tensors")
    @GetMapping({"/models/{name}", "/models/{name}/versions/{version}"})
    public Metadata.Model model(@PathVariable String name, @PathVariable(required = false) String version) {
        return models.metadata(models.resolve(name, version));
    }

    @Operation(summary = "Model configuration (Triton's model configuration extension)")
    @GetMapping({"/models/{name}/config", "/models/{name}/versions/{version}/config"})
    public TritonModelConfig config(@PathVariable String name, @PathVariable(required = false) String version) {
        return models.config(models.resolve(name, version));
    }

    @Operation(summary = "Statistics of every model (Triton's statistics extension)")
    @GetMapping("/models/stats")
    public TritonStatistics.Response allStatistics() {
        return statistics.of(models.all());
    }

    @Operation(summary = "Statistics of one model (Triton's statistics extension)")
    @GetMapping({"/models/{name}/stats", "/models/{name}/versions/{version}/stats"})
    public TritonStatistics.Response modelStatistics(
            @PathVariable String name, @PathVariable(required = false) String version) {
        return statistics.of(List.of(models.resolve(name, version)));
    }

    @Operation(summary = "Model ready (503 while loading or when it failed)")
    @GetMapping({"/models/{name}/ready", "/models/{name}/versions/{version}/ready"})
    public ResponseEntity<Metadata.ModelReady> modelReady(
            @PathVariable String name, @PathVariable(required = false) String version) {
        ServedModel model = models.resolve(name, version);
        boolean ready = model.status() == ServedModel.Status.READY;
        return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .body(new Metadata.ModelReady(model.name(), ready));
    }

    /**
     * The body is read as JSON, or as JSON followed by binary tensors, whatever its declared type:
     * {@code curl -d @request.json} sends it as a form, and parsing it as one would mangle the
     * base64 in it. With {@code Inference-Header-Content-Length: 0} the body is one encoded image.
     */
    @Operation(
            summary = "Inference: encoded images (BYTES [N]), prepared tensors (FP32/FP16 [N, C, H, W]) or"
                    + " pixels (UINT8 [N, H, W, C]); JSON or Triton's binary tensor data")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON_VALUE,
                            schema = @Schema(implementation = InferenceRequest.class),
                            examples = @ExampleObject(name = "top-3 classes of a base64 PNG", value = """
                    {"id": "42",
                     "inputs": [{"name": "image", "shape": [1], "datatype": "BYTES",
                                 "data": ["iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg=="]}],
                     "outputs": [{"name": "probabilities", "parameters": {"classification": 3}}]}""")))
    @PostMapping(
            path = {"/models/{name}/infer", "/models/{name}/versions/{version}/infer"},
            produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_OCTET_STREAM_VALUE})
    public DeferredResult<ResponseEntity<byte[]>> infer(
            @PathVariable String name,
            @PathVariable(required = false) String version,
            @Parameter(description = "Length of the JSON header when binary tensors follow it; 0 for a raw image body")
                    @RequestHeader(name = InferRequestReader.BINARY_HEADER, required = false)
                    String binaryHeader,
            @Parameter(hidden = true) @RequestHeader(name = HttpHeaders.CONTENT_LENGTH, required = false)
                    Long declaredLength,
            InputStream body,
            HttpServletRequest request) {
        byte[] bytes = reader.readBody(body, declaredLength);
        ServedModel model = models.resolve(name, version);
        return disconnects.answerWhenDone(
                request,
                Cancellable.thenApply(
                        inference.infer(
                                model,
                                models.version(name, version),
                                reader.read(bytes, binaryHeader),
                                arrival.deadlineNanos(request)),
                        this::encode));
    }

    /** The response's JSON, followed by its binary tensors when there are any. */
    private ResponseEntity<byte[]> encode(OipInference.Result result) {
        byte[] header = json.writeValueAsBytes(result.response());
        if (result.binary().isEmpty()) {
            return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(header);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header);
        result.binary().forEach(out::writeBytes);
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .header(InferRequestReader.BINARY_HEADER, Integer.toString(header.length))
                .body(out.toByteArray());
    }

    @Operation(
            summary = "The model repository's models and versions with their state (Triton's model repository"
                    + " extension); body {\"ready\": true} lists only the ready ones")
    @PostMapping("/repository/index")
    public List<RepositoryIndex> repositoryIndex(InputStream body) {
        requireControl(false);
        JsonNode request = jsonBody(body);
        boolean onlyReady = request.path("ready").asBoolean(false);
        return models.registry().models().index().stream()
                .map(RepositoryIndex::of)
                .filter(entry -> !onlyReady || "READY".equals(entry.state()))
                .toList();
    }

    /**
     * Loads the versions the model's policy selects from the repository, answering once they serve
     * (or failed: then the versions serving before keep serving, and the answer says why).
     */
    @Operation(summary = "Load or reload a model from the repository (Triton's model repository extension)")
    @PostMapping("/repository/models/{name}/load")
    public ResponseEntity<Void> load(@PathVariable String name, InputStream body) {
        requireControl(true);
        JsonNode parameters = jsonBody(body).path("parameters");
        if (parameters.isObject() && !parameters.isEmpty()) {
            throw OipException.badRequest("failed to load '" + name + "': this server loads models only from its"
                    + " repository; a load with a configuration or files in its parameters is not supported");
        }
        Map<Long, String> failures;
        try {
            failures = models.registry().models().load(name);
        } catch (ModelControlException e) {
            throw OipException.badRequest("failed to load '" + name + "': " + e.getMessage());
        }
        if (!failures.isEmpty()) {
            throw OipException.badRequest("failed to load '" + name + "': "
                    + String.join(
                            "; ",
                            failures.entrySet().stream()
                                    .map(f -> "version " + f.getKey() + ": " + f.getValue())
                                    .toList()));
        }
        return ResponseEntity.ok().build();
    }

    /** Answers once the model's versions take no new requests; each is freed after its last queued image. */
    @Operation(summary = "Unload a model (Triton's model repository extension)")
    @PostMapping("/repository/models/{name}/unload")
    public ResponseEntity<Void> unload(@PathVariable String name, InputStream body) {
        requireControl(true);
        jsonBody(body);
        models.registry().models().unload(name);
        return ResponseEntity.ok().build();
    }

    /** Refuses the repository extension when model control is off, and loads and unloads when it polls. */
    private void requireControl(boolean explicitOnly) {
        ModelControl control = models.registry().control();
        if (control == ModelControl.NONE) {
            throw OipException.badRequest("model control is off: set inception.model-control to explicit (or poll)"
                    + " to manage the model repository while the service runs");
        }
        if (explicitOnly && control == ModelControl.POLL) {
            throw OipException.badRequest("explicit model load / unload is not allowed while the repository is"
                    + " polled (inception.model-control=poll); change the repository folder instead");
        }
    }

    /** A request body as JSON; an empty body is an empty object, as Triton's clients send for no options. */
    private JsonNode jsonBody(InputStream body) {
        try {
            byte[] bytes = body.readAllBytes();
            if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
                return json.createObjectNode();
            }
            JsonNode node = json.readTree(bytes);
            if (!node.isObject()) {
                throw OipException.badRequest("the request body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw OipException.badRequest("the request body cannot be read: " + e.getMessage());
        } catch (JacksonException e) {
            throw OipException.badRequest("the request body is not JSON: " + e.getOriginalMessage());
        }
    }

    @Hidden
    @RequestMapping("/**")
    public void unknownEndpoint(HttpServletRequest request) {
        throw new OipException(
                HttpStatus.NOT_FOUND, "no such endpoint: " + request.getMethod() + " " + request.getRequestURI());
    }
}
