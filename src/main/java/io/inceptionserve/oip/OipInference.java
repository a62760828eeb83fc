package io.inceptionserve.oip;

import io.inceptionserve.config.InceptionProperties;
import io.inceptionserve.image.ImageUpload;
import io.inceptionserve.inference.Classification;
import io.inceptionserve.inference.ClassificationService;
import io.inceptionserve.inference.ImageBatch;
import io.inceptionserve.inference.ServedModel;
import io.inceptionserve.oip.InferenceRequest.RequestInput;
import io.inceptionserve.oip.InferenceRequest.RequestOutput;
import io.inceptionserve.oip.InferenceResponse.ResponseOutput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/**
 * Runs a protocol inference request: encoded images ({@code BYTES}) go through the model's own
 * preprocessing, prepared tensors ({@code FP32 [N, C, H, W]}) straight into the network.
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

    InferenceResponse infer(ServedModel model, InferenceRequest request) {
        List<RequestInput> inputs = request.inputs() == null ? List.of() : request.inputs();
        if (inputs.size() != 1 || inputs.get(0) == null) {
            throw OipException.badRequest("the model takes one input, either '" + OipModels.INPUT
                    + "' (FP32 [N, C, H, W]) or encoded images (BYTES [N]); the request has " + inputs.size());
        }
        Integer classes = requestedClasses(request.outputs());
        RequestInput input = inputs.get(0);
        if (input.data() == null) {
            throw OipException.badRequest("input '" + input.name() + "' has no data");
        }
        String datatype = input.datatype() == null ? "" : input.datatype();
        float[][] probabilities = switch (datatype) {
            case "BYTES" -> classifyEncoded(model, input);
            case "FP32" -> classifyPrepared(model, input);
            default ->
                throw OipException.badRequest("input '" + input.name() + "' has datatype '" + datatype
                        + "'; the model takes BYTES (base64-encoded images) or FP32 (prepared tensors)");
        };
        ResponseOutput output = classes == null
                ? probabilitiesOutput(probabilities)
                : classesOutput(probabilities, models.artifact(model).labels(), classes);
        return new InferenceResponse(model.name(), OipModels.VERSION, request.id(), List.of(output));
    }

    /**
     * The top k classes asked for through the output's {@code classification} parameter, or
     * null for the raw probabilities (also when no output is named).
     */
    private static Integer requestedClasses(List<RequestOutput> requested) {
        if (requested == null || requested.isEmpty()) {
            return null;
        }
        for (RequestOutput output : requested) {
            if (output == null || !OipModels.OUTPUT.equals(output.name())) {
                throw OipException.badRequest("the model has no output '" + (output == null ? null : output.name())
                        + "'; its output is '" + OipModels.OUTPUT + "'");
            }
        }
        if (requested.size() > 1) {
            throw OipException.badRequest("output '" + OipModels.OUTPUT + "' is requested more than once");
        }
        return classificationCount(requested.get(0));
    }

    private static Integer classificationCount(RequestOutput output) {
        JsonNode k = output.parameters() == null ? null : output.parameters().get(CLASSIFICATION);
        if (k == null) {
            return null;
        }
        if (!k.canConvertToInt() || !k.isIntegralNumber() || k.intValue() < 1) {
            throw OipException.badRequest("the '" + CLASSIFICATION + "' parameter of output '" + output.name()
                    + "' must be a whole number of classes, at least 1; was " + k);
        }
        return k.intValue();
    }

    private float[][] classifyEncoded(ServedModel model, RequestInput input) {
        if (!(input.data() instanceof TensorData.Strings strings)) {
            throw OipException.badRequest("BYTES input '" + input.name() + "' must hold base64 strings, one per image");
        }
        long[] shape = resolveShape(input, strings.size());
        if (shape.length < 1 || strings.size() != shape[0]) {
            throw OipException.badRequest("BYTES input '" + input.name()
                    + "' must be shaped [N], one image per element;" + " it is " + Arrays.toString(shape));
        }
        checkImageCount(strings.size());
        List<ImageUpload> uploads = new ArrayList<>(strings.size());
        for (int i = 0; i < strings.size(); i++) {
            String element = input.name() + "[" + i + "]";
            byte[] image;
            try {
                // The MIME decoder also takes line-wrapped base64, as Python's base64.encodebytes writes it.
                image = Base64.getMimeDecoder().decode(strings.values().get(i));
            } catch (IllegalArgumentException e) {
                throw OipException.badRequest("'" + element + "' is not base64: " + e.getMessage());
            }
            if (image.length == 0) {
                throw OipException.badRequest("'" + element + "' holds no image bytes");
            }
            uploads.add(new ImageUpload(element, image));
        }
        int classes = models.artifact(model).labels().size();
        Classification result = classifier.classify(model.name(), uploads, classes);
        float[][] probabilities = new float[uploads.size()][classes];
        for (int i = 0; i < uploads.size(); i++) {
            for (Classification.Prediction p : result.images().get(i).predictions()) {
                probabilities[i][p.classIndex()] = (float) p.probability();
            }
        }
        return probabilities;
    }

    private float[][] classifyPrepared(ServedModel model, RequestInput input) {
        if (!(input.data() instanceof TensorData.Numbers numbers)) {
            throw OipException.badRequest("FP32 input '" + input.name() + "' must hold numbers");
        }
        long[] shape = resolveShape(input, numbers.size());
        if (shape.length != 4) {
            throw OipException.badRequest(
                    "FP32 input '" + input.name() + "' must be shaped [N, C, H, W]; it is " + Arrays.toString(shape));
        }
        checkImageCount(shape[0]);
        return classifier.probabilities(model.name(), new ImageBatch(numbers.values(), shape));
    }

    private void checkImageCount(long count) {
        if (count < 1 || count > maxImages) {
            throw OipException.badRequest("a request carries 1 to " + maxImages + " images; this one has " + count);
        }
    }

    /**
     * The input's shape with a -1 dimension (at most one) worked out from the element count,
     * checked against that count.
     */
    private static long[] resolveShape(RequestInput input, int elements) {
        if (input.shape() == null || input.shape().isEmpty() || input.shape().contains(null)) {
            throw OipException.badRequest("input '" + input.name() + "' has no shape, or an empty dimension");
        }
        long[] shape = input.shape().stream().mapToLong(Long::longValue).toArray();
        long known = 1;
        int wildcard = -1;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == -1 && wildcard < 0) {
                wildcard = d;
            } else if (shape[d] < 0) {
                throw OipException.badRequest("input '" + input.name() + "' has an invalid shape " + input.shape());
            } else {
                try {
                    known = Math.multiplyExact(known, shape[d]);
                } catch (ArithmeticException e) {
                    throw OipException.badRequest(
                            "input '" + input.name() + "' has a shape too large, " + input.shape());
                }
            }
        }
        if (wildcard >= 0 && known > 0 && elements % known == 0) {
            shape[wildcard] = elements / known;
            known = elements;
        }
        if (known != elements) {
            throw OipException.badRequest("input '" + input.name() + "' has shape " + input.shape() + " but " + elements
                    + " elements of data");
        }
        return shape;
    }

    private static ResponseOutput probabilitiesOutput(float[][] probabilities) {
        int classes = probabilities[0].length;
        float[] flat = new float[probabilities.length * classes];
        for (int i = 0; i < probabilities.length; i++) {
            System.arraycopy(probabilities[i], 0, flat, i * classes, classes);
        }
        return new ResponseOutput(OipModels.OUTPUT, new long[] {probabilities.length, classes}, "FP32", flat);
    }

    /**
     * Triton's classification extension: per image the top k as "score:index:label", the score
     * printed as Triton prints it (six decimals), k capped at the number of classes.
     */
    private static ResponseOutput classesOutput(float[][] probabilities, List<String> labels, int k) {
        int count = Math.min(k, labels.size());
        List<String> classes = new ArrayList<>(probabilities.length * count);
        for (float[] image : probabilities) {
            for (Classification.Prediction p : Classification.Prediction.topK(image, labels, count)) {
                classes.add(String.format(Locale.ROOT, "%f:%d:%s", p.probability(), p.classIndex(), p.label()));
            }
        }
        return new ResponseOutput(OipModels.OUTPUT, new long[] {probabilities.length, count}, "BYTES", classes);
    }
}
