package io.inceptionserve.api;

import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.image.ImageUpload;
import io.inceptionserve.inference.ClassificationService;
import io.inceptionserve.serving.Cancellable;
import io.inceptionserve.serving.InvalidRequestException;
import io.inceptionserve.web.BodyReadingPaths;
import io.inceptionserve.web.ClientDisconnects;
import io.inceptionserve.web.RequestArrival;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.servlet.autoconfigure.MultipartProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.multipart.MultipartFile;

/** {@code POST /classify}: images in, top-k classes out. */
@RestController
@Tag(name = "Classification")
@ProblemResponses
public class ClassifyController {

    static final String PATH = "/classify";

    /** Its request bodies are received whole before it runs. */
    @Bean
    static BodyReadingPaths classifyBodies() {
        return new BodyReadingPaths(PATH);
    }

    private final ClassificationService classifier;
    private final ClientDisconnects disconnects;
    private final RequestArrival arrival;
    private final InceptionProperties.Inference settings;
    private final long maxBodyBytes;

    public ClassifyController(
            ClassificationService classifier,
            ClientDisconnects disconnects,
            RequestArrival arrival,
            InceptionProperties properties,
            MultipartProperties multipart) {
        this.classifier = classifier;
        this.disconnects = disconnects;
        this.arrival = arrival;
        this.settings = properties.inference();
        this.maxBodyBytes = multipart.getMaxFileSize().toBytes();
    }

    @Operation(
            summary = "Classify one or several uploaded images",
            description = "Multipart form with one or more files in the field `image`. All images go through "
                    + "the model in one batch.")
    @ClassifiedResponse
    @PostMapping(
            path = PATH,
            consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    public DeferredResult<Classification> classifyUpload(
            @Parameter(description = "Image files (JPEG, PNG, GIF, BMP, WebP, TIFF)") @RequestPart("image")
                    List<MultipartFile> image,
            @Parameter(description = "Model name; the configured default when absent") @RequestParam(required = false)
                    String model,
            @Parameter(description = "Predictions per image") @RequestParam(required = false) Integer topK,
            HttpServletRequest request) {
        if (image.size() > settings.maxImagesPerRequest()) {
            throw new TooManyImagesException(image.size(), settings.maxImagesPerRequest());
        }
        List<ImageUpload> uploads = new ArrayList<>(image.size());
        for (MultipartFile file : image) {
            uploads.add(new ImageUpload(file.getOriginalFilename(), bytesOf(file)));
        }
        return classify(model, uploads, topK, request);
    }

    @Operation(
            summary = "Classify one image sent as the raw request body",
            description =
                    "The body is the encoded image, e.g. `curl --data-binary @cat.jpg -H 'Content-Type: image/jpeg'`.")
    @ClassifiedResponse
    @PostMapping(
            path = PATH,
            consumes = {
                MediaType.IMAGE_JPEG_VALUE,
                MediaType.IMAGE_PNG_VALUE,
                MediaType.IMAGE_GIF_VALUE,
                "image/*",
                MediaType.APPLICATION_OCTET_STREAM_VALUE
            },
            produces = MediaType.APPLICATION_JSON_VALUE)
    public DeferredResult<Classification> classifyBody(
            @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            description = "The encoded image",
                            content =
                                    @Content(
                                            mediaType = "image/*",
                                            schema = @Schema(type = "string", format = "binary")))
                    InputStream body,
            @Parameter(description = "Model name; the configured default when absent") @RequestParam(required = false)
                    String model,
            @Parameter(description = "Predictions per image") @RequestParam(required = false) Integer topK,
            @Parameter(hidden = true) @RequestHeader(name = HttpHeaders.CONTENT_LENGTH, required = false)
                    Long declaredLength,
            HttpServletRequest request) {
        // Refused from the header, before a byte is read; a chunked body is refused once it passes the limit.
        if (declaredLength != null && declaredLength > maxBodyBytes) {
            throw new BodyTooLargeException(maxBodyBytes);
        }
        return classify(model, List.of(new ImageUpload(null, readBounded(body))), topK, request);
    }

    /** Documents the 200 answer of both forms of {@code POST /classify}. */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.METHOD)
    @ApiResponse(
            responseCode = "200",
            description = "The top-k classes of each image, with timings",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON_VALUE,
                            schema = @Schema(implementation = Classification.class)))
    @interface ClassifiedResponse {}

    private DeferredResult<Classification> classify(
            String model, List<ImageUpload> uploads, Integer topK, HttpServletRequest request) {
        for (int i = 0; i < uploads.size(); i++) {
            if (uploads.get(i).bytes().length == 0) {
                throw new InvalidRequestException(uploads.get(i).describe(i, uploads.size()) + " is empty");
            }
        }
        return disconnects.answerWhenDone(
                request,
                Cancellable.thenApply(
                        classifier.classifyAsync(model, uploads, topK, arrival.deadlineNanos(request)),
                        Classification::of));
    }

    /** Reads a raw body, refusing it as soon as it passes the per-file limit, however it is sent. */
    private byte[] readBounded(InputStream body) {
        try {
            byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (bytes.length > maxBodyBytes) {
                throw new BodyTooLargeException(maxBodyBytes);
            }
            return bytes;
        } catch (IOException e) {
            throw new UnreadableBodyException(e);
        }
    }

    private static byte[] bytesOf(MultipartFile file) {
        try {
            return file.getBytes();
        } catch (IOException e) {
            throw new UnreadableBodyException(e);
        }
    }
}
