package io.inceptionserve.oip;

import io.inceptionserve.inference.ServedModel;
import io.swagger.v3.oas.annotations.Hidden;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.InputStream;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Open Inference Protocol v2 (KServe, Triton) over HTTP/REST, with Triton's classification
 * extension, so existing clients of those servers talk to this one unchanged.
 */
@RestController
@RequestMapping(path = "/v2", produces = MediaType.APPLICATION_JSON_VALUE)
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
        responseCode = "503",
        description = "Model loading or failed",
        content = @Content(schema = @Schema(implementation = Metadata.Error.class)))
public class OipController {

    static final String SERVER_NAME = "inception-serve";

    /** Triton's header for binary tensor data appended to the JSON, an extension this server lacks. */
    private static final String BINARY_HEADER = "Inference-Header-Content-Length";

    private final OipModels models;
    private final OipInference inference;
    private final JsonMapper json;
    private final String serverVersion;

    public OipController(
            OipModels models, OipInference inference, JsonMapper json, ObjectProvider<BuildProperties> build) {
        this.models = models;
        this.inference = inference;
        this.json = json;
        BuildProperties properties = build.getIfAvailable();
        this.serverVersion = properties == null ? "unknown" : properties.getVersion();
    }

    @Operation(summary = "Server metadata")
    @GetMapping
    public Metadata.Server server() {
        return new Metadata.Server(SERVER_NAME, serverVersion, List.of("classification"));
    }

    @Operation(summary = "Server live")
    @GetMapping("/health/live")
    public Metadata.Live live() {
        return new Metadata.Live(true);
    }

    @Operation(summary = "Server ready: every model is ready (503 otherwise)")
    @GetMapping("/health/ready")
    public ResponseEntity<Metadata.Ready> ready() {
        boolean ready = models.allReady();
        return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .body(new Metadata.Ready(ready));
    }

    @Operation(summary = "Model metadata: its version, platform, input and output tensors")
    @GetMapping({"/models/{name}", "/models/{name}/versions/{version}"})
    public Metadata.Model model(@PathVariable String name, @PathVariable(required = false) String version) {
        return models.metadata(models.resolve(name, version));
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
     * The body is read as JSON whatever its declared type: {@code curl -d @request.json} sends it
     * as a form, and parsing it as one would mangle the base64 in it.
     */
    @Operation(summary = "Inference: base64 images (BYTES [N]) or prepared tensors (FP32 [N, C, H, W])")
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
    @PostMapping({"/models/{name}/infer", "/models/{name}/versions/{version}/infer"})
    public InferenceResponse infer(
            @PathVariable String name,
            @PathVariable(required = false) String version,
            @Parameter(hidden = true) @RequestHeader(name = BINARY_HEADER, required = false) String binaryHeader,
            InputStream body) {
        if (binaryHeader != null) {
            throw OipException.badRequest("binary tensor data (" + BINARY_HEADER + ") is not supported; send the "
                    + "tensors as JSON (with Triton's client: binary_data=False)");
        }
        ServedModel model = models.resolve(name, version);
        return inference.infer(model, parse(body));
    }

    @Hidden
    @RequestMapping("/**")
    public void unknownEndpoint(HttpServletRequest request) {
        throw new OipException(
                HttpStatus.NOT_FOUND, "no such endpoint: " + request.getMethod() + " " + request.getRequestURI());
    }

    private InferenceRequest parse(InputStream body) {
        InferenceRequest request;
        try {
            request = json.readValue(body, InferenceRequest.class);
        } catch (JacksonException e) {
            throw OipException.badRequest(
                    "the body is not an inference request: " + e.getOriginalMessage() + JsonPaths.of(e));
        }
        if (request == null) {
            throw OipException.badRequest("the body is empty; it must be an inference request in JSON");
        }
        return request;
    }
}
