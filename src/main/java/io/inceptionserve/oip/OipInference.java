package io.inceptionserve.oip;

import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.image.ImageInput;
import io.inceptionserve.image.ImageUpload;
import io.inceptionserve.image.PixelImage;
import io.inceptionserve.inference.ClassificationService;
import io.inceptionserve.inference.Probabilities;
import io.inceptionserve.inference.TopClasses;
import io.inceptionserve.oip.InferenceRequest.RequestOutput;
import io.inceptionserve.oip.InferenceResponse.ResponseOutput;
import io.inceptionserve.serving.Cancellable;
import io.inceptionserve.serving.ImageBatch;
import io.inceptionserve.serving.ServedModel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/**
 * Runs a protocol inference request: encoded images ({@code BYTES}) and decoded pixels
 * ({@code UINT8 [N, H, W, C]}) go through the model's own preprocessing, prepared tensors
 * ({@code FP32} or {@code FP16 [N, C, H, W]}) straight into the network.
 */
@Service
class OipInference {

    private static final String CLASSIFICATION = "classification";

    private final ClassificationService classifier;
    private final OipModels models;
    private final int maxImages;

    OipInference(ClassificationService classifier, OipModels models, InceptionProperties properties) {
        this.classifier = classifier;
        this.models = models;
        this.maxImages = properties.inference().maxImagesPerRequest();
    }

    /**
     * The response, and the binary tensors that follow its JSON in the order of its outputs.
     *
     * @param response the JSON part
     * @param binary the binary part of each output sent in binary, in output order
     */
    record Result(InferenceResponse response, List<byte[]> binary) {}

    /**
     * Runs the call; checks of the request fail at once, the answer comes when the forward passes
     * are done. Cancelling it drops the images still queued.
     *
     * @param model the version the request's checks go by
     * @param version the version asked for, or {@code null} for the newest ready one when the
     *     images are queued (the answer names the version that computed them)
     * @param deadlineNanos ({@link System#nanoTime()}) when the request runs out of time
     */
    CompletableFuture<Result> infer(ServedModel model, Long version, InferCall call, long deadlineNanos) {
        if (call.inputs().size() != 1) {
            throw OipException.badRequest("the model takes one input: '" + OipModels.INPUT
                    + "' (FP32 or FP16 [N, C, H, W]), '" + OipModels.IMAGE_INPUT + "' (BYTES [N], encoded images) or '"
                    + OipModels.PIXELS_INPUT + "' (UINT8 [N, H, W, C]); the request has "
                    + call.inputs().size());
        }
        Requested requested = requested(call);
        Tensor input = call.inputs().get(0);
        CompletableFuture<Probabilities> computed = switch (input.datatype()) {
            case BYTES -> classifyEncoded(model, version, input, deadlineNanos);
            case FP32, FP16 -> classifyPrepared(model, version, input, deadlineNanos);
            case UINT8 -> classifyPixels(model, version, input, deadlineNanos);
        };
        return Cancellable.thenApply(
                computed, computedBy -> answer(computedBy.model(), call, requested, computedBy.rows()));
    }

    private Result answer(ServedModel model, InferCall call, Requested requested, float[][] probabilities) {
        List<byte[]> binary = new ArrayList<>(1);
        ResponseOutput output;
        if (requested.classes == null) {
            float[] flat = flatten(probabilities);
            long[] shape = {probabilities.length, probabilities[0].length};
            output = requested.binary
                    ? binaryOutput("FP32", shape, Datatype.encode(flat), binary)
                    : new ResponseOutput(OipModels.OUTPUT, shape, "FP32", null, flat);
        } else {
            List<String> classes =
                    topClasses(probabilities, models.artifact(model).labels(), requested.classes);
            long[] shape = {probabilities.length, classes.size() / probabilities.length};
            output = requested.binary
                    ? binaryOutput("BYTES", shape, Datatype.encode(utf8(classes)), binary)
                    : new ResponseOutput(OipModels.OUTPUT, shape, "BYTES", null, classes);
        }
        return new Result(
                new InferenceResponse(model.name(), Long.toString(model.version()), call.id(), List.of(output)),
                binary);
    }

    /**
     * @param classes the top k asked for through the {@code classification} parameter, or null
     *     for the raw probabilities
     * @param binary whether the output goes in binary
     */
    private record Requested(Integer classes, boolean binary) {}

    /** What the request asks of the model's one output; all outputs (that one) when none is named. */
    private static Requested requested(InferCall call) {
        List<RequestOutput> outputs = call.outputs();
        if (outputs.isEmpty()) {
            return new Requested(null, call.binaryOutputs());
        }
        for (RequestOutput output : outputs) {
            if (output == null || !OipModels.OUTPUT.equals(output.name())) {
                throw OipException.badRequest("the model has no output '" + (output == null ? null : output.name())
                        + "'; its output is '" + OipModels.OUTPUT + "'");
            }
        }
        if (outputs.size() > 1) {
            throw OipException.badRequest("output '" + OipModels.OUTPUT + "' is requested more than once");
        }
        RequestOutput output = outputs.get(0);
        Map<String, JsonNode> parameters = output.parameters();
        boolean binary = parameters != null && parameters.containsKey("binary_data")
                ? InferRequestReader.flag(parameters, "binary_data")
                : call.binaryOutputs();
        return new Requested(classificationCount(output), binary);
    }

    private static Integer classificationCount(RequestOutput output) {
        JsonNode k = output.parameters() == null ? null : output.parameters().get(CLASSIFICATION);
        if (k == null || k.isNull()) {
            return null;
        }
        if (!k.canConvertToInt() || !k.isIntegralNumber() || k.intValue() < 0) {
            throw OipException.badRequest("the '" + CLASSIFICATION + "' parameter of output '" + output.name()
                    + "' must be a whole number of classes; was " + k);
        }
        // Triton's clients send class_count 0 for "not a classification".
        return k.intValue() == 0 ? null : k.intValue();
    }

    private CompletableFuture<Probabilities> classifyEncoded(
            ServedModel model, Long version, Tensor input, long deadlineNanos) {
        List<byte[]> images = input.elements();
        if (images.size() != input.shape()[0]) {
            throw OipException.badRequest("BYTES input '" + input.name()
                    + "' must be shaped [N] or [N, 1], one image per element; it is "
                    + Arrays.toString(input.shape()));
        }
        checkImageCount(images.size());
        List<ImageUpload> uploads = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            String element = input.name() + "[" + i + "]";
            if (images.get(i).length == 0) {
                throw OipException.badRequest("'" + element + "' holds no image bytes");
            }
            uploads.add(new ImageUpload(element, images.get(i)));
        }
        return probabilities(model, version, uploads, deadlineNanos);
    }

    private CompletableFuture<Probabilities> probabilities(
            ServedModel model, Long version, List<? extends ImageInput> images, long deadlineNanos) {
        return Cancellable.thenApply(
                classifier.classifyAsync(model.name(), version, images, null, deadlineNanos),
                classified -> new Probabilities(
                        classified.model(),
                        classified.images().stream()
                                .map(image -> image.scores().probabilities())
                                .toArray(float[][]::new)));
    }

    /** Checked against the model's input shape before the data becomes floats: no array for a tensor it cannot take. */
    private CompletableFuture<Probabilities> classifyPrepared(
            ServedModel model, Long version, Tensor input, long deadlineNanos) {
        long[] shape = input.shape();
        var expected = models.artifact(model).manifest().input();
        if (shape.length != 4
                || shape[1] != expected.channels()
                || shape[2] != expected.size()
                || shape[3] != expected.size()) {
            throw OipException.badRequest("'" + model.name() + "' takes prepared images shaped (N, "
                    + expected.channels() + ", " + expected.size() + ", " + expected.size() + ") with N >= 1; "
                    + input.datatype() + " input '" + input.name() + "' is " + Arrays.toString(shape));
        }
        checkImageCount(shape[0]);
        return classifier.probabilitiesAsync(
                model.name(), version, new ImageBatch(input.numbers(), shape), deadlineNanos);
    }

    /**
     * Decoded frames of any size: resized, cropped and normalised as the model's manifest says,
     * as an encoded image would be after decoding, under the same pixel limit and decode budget.
     */
    private CompletableFuture<Probabilities> classifyPixels(
            ServedModel model, Long version, Tensor input, long deadlineNanos) {
        long[] shape = input.shape();
        if (shape.length != 4 || (shape[3] != 1 && shape[3] != 3) || shape[1] < 1 || shape[2] < 1) {
            throw OipException.badRequest("UINT8 input '" + input.name()
                    + "' must be shaped [N, H, W, C] with C 1 (grey) or 3 (RGB); it is " + Arrays.toString(shape));
        }
        checkImageCount(shape[0]);
        List<PixelImage> images = new ArrayList<>((int) shape[0]);
        for (int n = 0; n < shape[0]; n++) {
            images.add(input.pixels(n));
        }
        return probabilities(model, version, images, deadlineNanos);
    }

    private void checkImageCount(long count) {
        if (count < 1 || count > maxImages) {
            throw OipException.badRequest("a request carries 1 to " + maxImages + " images; this one has " + count);
        }
    }

    private static ResponseOutput binaryOutput(String datatype, long[] shape, byte[] data, List<byte[]> binary) {
        binary.add(data);
        return new ResponseOutput(
                OipModels.OUTPUT, shape, datatype, Map.of(InferRequestReader.BINARY_DATA_SIZE, data.length), null);
    }

    private static float[] flatten(float[][] probabilities) {
        int classes = probabilities[0].length;
        float[] flat = new float[probabilities.length * classes];
        for (int i = 0; i < probabilities.length; i++) {
            System.arraycopy(probabilities[i], 0, flat, i * classes, classes);
        }
        return flat;
    }

    private static List<byte[]> utf8(List<String> strings) {
        return strings.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /**
     * Triton's classification extension: per image the top k as "score:index:label", the score
     * printed as Triton prints it (six decimals), k capped at the number of classes.
     */
    private static List<String> topClasses(float[][] probabilities, List<String> labels, int k) {
        int count = Math.min(k, labels.size());
        List<String> classes = new ArrayList<>(probabilities.length * count);
        for (float[] image : probabilities) {
            for (int c : TopClasses.of(image, count)) {
                classes.add(String.format(Locale.ROOT, "%f:%d:%s", image[c], c, labels.get(c)));
            }
        }
        return classes;
    }
}
