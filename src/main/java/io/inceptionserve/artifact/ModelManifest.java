package io.inceptionserve.artifact;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.inceptionserve.model.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code manifest.json} of a model directory: everything the service needs to turn an image
 * into the network's input and the network's output into labels, so it never guesses.
 *
 * @param name the model's name
 * @param architecture an architecture id, e.g. {@code inception-v2}
 * @param description free text shown in {@code /models}
 * @param labels file name of the labels list, one label per line, in class-index order
 * @param input the network's input
 * @param preprocessing how an image becomes that input
 * @param weights the weights file, or {@code null} for a model that has never been trained
 * @param transformInput {@code true} when the network starts with torchvision's {@code
 *     transform_input} (weights imported from torchvision's GoogLeNet or Inception-v3, which expect
 *     it); absent (the default) otherwise
 * @param precision the number format the network is served in: {@code auto} (the default when
 *     absent), {@code float32}, {@code bfloat16} or {@code float16}; {@code float32} keeps a model
 *     whose answers change in bfloat16 out of it (see {@link Precision})
 * @param trainedOn what the weights were trained on, e.g. the data set and the model they started
 *     from; absent when unknown
 * @param accuracy the accuracy measured on a held-out test set when the weights were written;
 *     absent when unknown
 */
public record ModelManifest(
        String name,
        String architecture,
        String description,
        String labels,
        Input input,
        Preprocessing preprocessing,
        Weights weights,
        @JsonInclude(JsonInclude.Include.NON_NULL) Boolean transformInput,
        @JsonInclude(JsonInclude.Include.NON_NULL) Precision precision,
        @JsonInclude(JsonInclude.Include.NON_NULL) String trainedOn,
        @JsonInclude(JsonInclude.Include.NON_NULL) Accuracy accuracy) {

    /** A manifest that says nothing of what the model was trained on. */
    public ModelManifest(
            String name,
            String architecture,
            String description,
            String labels,
            Input input,
            Preprocessing preprocessing,
            Weights weights,
            Boolean transformInput,
            Precision precision) {
        this(
                name,
                architecture,
                description,
                labels,
                input,
                preprocessing,
                weights,
                transformInput,
                precision,
                null,
                null);
    }

    /** A manifest that leaves the precision to the service. */
    public ModelManifest(
            String name,
            String architecture,
            String description,
            String labels,
            Input input,
            Preprocessing preprocessing,
            Weights weights,
            Boolean transformInput) {
        this(name, architecture, description, labels, input, preprocessing, weights, transformInput, null);
    }

    /** A manifest whose network has no input transform. */
    public ModelManifest(
            String name,
            String architecture,
            String description,
            String labels,
            Input input,
            Preprocessing preprocessing,
            Weights weights) {
        this(name, architecture, description, labels, input, preprocessing, weights, null, null);
    }

    /** File names inside a model directory: no paths, so a manifest can never point outside it. */
    private static final Pattern PLAIN_FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /**
     * @param size the square side in pixels that the network sees
     * @param channels 1 (grey) or 3 (RGB)
     */
    public record Input(int size, int channels) {}

    /**
     * Accuracy measured when the model was written.
     *
     * @param top1 share of the test images whose highest-scoring class is their label
     * @param top5 share whose label is among the five highest
     * @param testImages how many images were classified
     */
    public record Accuracy(double top1, double top5, int testImages) {}

    /**
     * @param resize how the decoded image is brought to {@code resizeTo}
     * @param resizeTo target of the resize step; the result is then center-cropped to the input size
     * @param mean per-channel mean subtracted after scaling pixels to [0, 1]
     * @param std per-channel standard deviation divided by after that
     * @param upscale how an image smaller than the resize target is enlarged; absent means {@link
     *     Upscale#BICUBIC}, which every model trained by this project was trained with. Only for
     *     the default resampling.
     * @param resampling {@link Resampling#PIL_BILINEAR} or {@link Resampling#PIL_BICUBIC} to
     *     prepare images exactly as torchvision's PIL pipeline does; absent means this project's
     *     own resampling (see {@link Upscale})
     */
    public record Preprocessing(
            ResizePolicy resize,
            int resizeTo,
            float[] mean,
            float[] std,
            @JsonInclude(JsonInclude.Include.NON_NULL) Upscale upscale,
            @JsonInclude(JsonInclude.Include.NON_NULL) Resampling resampling) {

        /** Preprocessing that enlarges bicubically, as this project's training does. */
        public Preprocessing(ResizePolicy resize, int resizeTo, float[] mean, float[] std) {
            this(resize, resizeTo, mean, std, null, null);
        }

        /** This project's own resampling, enlarging as {@code upscale} says. */
        public Preprocessing(ResizePolicy resize, int resizeTo, float[] mean, float[] std, Upscale upscale) {
            this(resize, resizeTo, mean, std, upscale, null);
        }

        /** torchvision's PIL pipeline, resampling with {@code resampling}'s filter. */
        public Preprocessing(ResizePolicy resize, int resizeTo, float[] mean, float[] std, Resampling resampling) {
            this(resize, resizeTo, mean, std, null, resampling);
        }

        /** The enlarging interpolation in effect. */
        public Upscale upscaling() {
            return upscale == null ? Upscale.BICUBIC : upscale;
        }
    }

    /**
     * @param file the weights file, DJL's {@code NDList} encoding of the named parameters
     * @param sha256 lower-case hex SHA-256 of that file
     */
    public record Weights(String file, String sha256) {}

    /** How an image of any shape is brought to the network's square input. */
    public enum ResizePolicy {
        /** Scale the shorter side to {@code resizeTo} keeping the aspect ratio, then center-crop. */
        SHORTER_SIDE,
        /** Scale both sides to {@code resizeTo} ignoring the aspect ratio, then center-crop. */
        STRETCH
    }

    /**
     * Interpolation used where the resize enlarges. Reductions are always bilinear, in halving steps
     * when the image shrinks to less than half, which keeps them free of aliasing.
     */
    public enum Upscale {
        /** Sharper; the default, and what this project's training feeds its networks. */
        BICUBIC,
        /** torchvision's {@code Resize} default, for weights trained through it; about 4× cheaper. */
        BILINEAR
    }

    /**
     * How the resize step computes its pixels. The PIL values reproduce torchvision's {@code
     * Resize} on a PIL image followed by {@code CenterCrop}, pixel for pixel: Pillow's
     * antialiasing filters (support widened by the reduction factor when shrinking), its
     * fixed-point rounding, torchvision's output size (the longer side truncated, not rounded) and
     * its crop offset (rounded half to even).
     */
    public enum Resampling {
        /** Pillow's {@code BILINEAR}: torchvision's {@code Resize} default. */
        PIL_BILINEAR,
        /** Pillow's {@code BICUBIC}. */
        PIL_BICUBIC
    }

    /** Returns this manifest with its description replaced. */
    public ModelManifest withDescription(String newDescription) {
        return new ModelManifest(
                name,
                architecture,
                newDescription,
                labels,
                input,
                preprocessing,
                weights,
                transformInput,
                precision,
                trainedOn,
                accuracy);
    }

    /** Returns this manifest with its weights replaced. */
    public ModelManifest withWeights(Weights newWeights) {
        return new ModelManifest(
                name,
                architecture,
                description,
                labels,
                input,
                preprocessing,
                newWeights,
                transformInput,
                precision,
                trainedOn,
                accuracy);
    }

    /** Returns this manifest with the precision it asks the service for replaced. */
    public ModelManifest withPrecision(Precision newPrecision) {
        return new ModelManifest(
                name,
                architecture,
                description,
                labels,
                input,
                preprocessing,
                weights,
                transformInput,
                newPrecision,
                trainedOn,
                accuracy);
    }

    /** Returns this manifest saying what it was trained on and how accurate it is. */
    public ModelManifest withTraining(String newTrainedOn, Accuracy newAccuracy) {
        return new ModelManifest(
                name,
                architecture,
                description,
                labels,
                input,
                preprocessing,
                weights,
                transformInput,
                precision,
                newTrainedOn,
                newAccuracy);
    }

    /** Whether the network starts with torchvision's input transform. */
    public boolean transformsInput() {
        return Boolean.TRUE.equals(transformInput);
    }

    /** The precision the manifest asks for; {@link Precision#AUTO} when it says nothing. */
    public Precision precisionSetting() {
        return precision == null ? Precision.AUTO : precision;
    }

    /** Lists every problem of this manifest; empty when it is usable. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (architecture == null || architecture.isBlank()) {
            problems.add("'architecture' is missing");
        }
        checkFileName(problems, "labels", labels);
        if (input == null) {
            problems.add("'input' is missing");
        } else {
            if (input.size() < 16 || input.size() > 1024) {
                problems.add("'input.size' must be within 16..1024, was " + input.size());
            }
            if (input.channels() != 1 && input.channels() != 3) {
                problems.add("'input.channels' must be 1 or 3, was " + input.channels());
            }
            if (transformsInput() && input.channels() != 3) {
                problems.add("'transformInput' needs 'input.channels' 3, was " + input.channels());
            }
        }
        if (preprocessing == null) {
            problems.add("'preprocessing' is missing");
        } else {
            if (preprocessing.resize() == null) {
                problems.add("'preprocessing.resize' must be SHORTER_SIDE or STRETCH");
            }
            if (preprocessing.resampling() != null && preprocessing.upscale() != null) {
                problems.add("'preprocessing.upscale' applies to the default resampling only, not to "
                        + preprocessing.resampling());
            }
            if (input != null && preprocessing.resizeTo() < input.size()) {
                problems.add("'preprocessing.resizeTo' (" + preprocessing.resizeTo()
                        + ") must be at least 'input.size' (" + input.size() + ")");
            }
            int channels = input == null ? -1 : input.channels();
            checkPerChannel(problems, "preprocessing.mean", preprocessing.mean(), channels);
            checkPerChannel(problems, "preprocessing.std", preprocessing.std(), channels);
            if (preprocessing.std() != null) {
                for (float s : preprocessing.std()) {
                    if (!(s > 0)) {
                        problems.add("'preprocessing.std' values must be positive");
                        break;
                    }
                }
            }
        }
        if (weights != null) {
            checkFileName(problems, "weights.file", weights.file());
            if (weights.sha256() == null || !weights.sha256().matches("[0-9a-f]{64}")) {
                problems.add("'weights.sha256' must be 64 lower-case hex digits");
            }
        }
        return problems;
    }

    private static void checkFileName(List<String> problems, String field, String value) {
        if (value == null || !PLAIN_FILE_NAME.matcher(value).matches() || value.contains("..")) {
            problems.add("'" + field + "' must be a plain file name inside the model directory, was " + value);
        }
    }

    private static void checkPerChannel(List<String> problems, String field, float[] values, int channels) {
        if (values == null) {
            problems.add("'" + field + "' is missing");
        } else if (channels > 0 && values.length != channels) {
            problems.add("'" + field + "' needs " + channels + " values, has " + values.length);
        }
    }
}
