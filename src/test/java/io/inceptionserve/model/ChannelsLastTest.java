package io.inceptionserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.util.Pair;
import io.inceptionserve.model.blocks.InceptionNetwork;
import io.inceptionserve.model.inferenceform.ChannelsLast;
import io.inceptionserve.model.inferenceform.InferenceForm;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ChannelsLastTest {

    /** Every pooling the networks use, on grids that exercise ceil mode's partial last window. */
    @ParameterizedTest(name = "{0}×{0}, stride {1}, padding {2}, ceil {3}, grid {4}")
    @CsvSource({
        "3, 2, 0, true, 111", // GoogLeNet stem and between stages (112 → 56 at 224)
        "3, 2, 0, true, 28",
        "3, 1, 1, true, 14", // GoogLeNet pool branch
        "3, 1, 1, false, 17", // Inception-v2 max pool branch
        "3, 2, 0, false, 35", // Inception-v2 grid reduction
    })
    void maxPoolingChannelsLastGivesExactlyTheBuiltInNchwResult(
            int kernel, int stride, int padding, boolean ceil, int grid) {
        try (NDManager manager = Networks.newManager()) {
            NDArray input = manager.randomNormal(new Shape(2, 19, grid, grid));
            Shape window = new Shape(kernel, kernel);
            Shape strides = new Shape(stride, stride);
            Shape pads = new Shape(padding, padding);

            NDArray nchw = Pool.maxPool2d(input, window, strides, pads, ceil);
            NDArray channelsLast = Pool.maxPool2d(ChannelsLast.of(input), window, strides, pads, ceil);

            assertThat(channelsLast.getShape()).isEqualTo(nchw.getShape());
            assertThat(channelsLast.contentEquals(nchw)).isTrue();
        }
    }

    @ParameterizedTest
    @CsvSource({"17", "8"})
    void averagePoolingChannelsLastMatchesTheBuiltInNchwResult(int grid) {
        try (NDManager manager = Networks.newManager()) {
            NDArray input = manager.randomNormal(new Shape(2, 19, grid, grid));
            Shape three = new Shape(3, 3);
            Shape one = new Shape(1, 1);

            NDArray nchw = Pool.avgPool2d(input, three, one, one, false, true);
            NDArray channelsLast = Pool.avgPool2d(ChannelsLast.of(input), three, one, one, false, true);

            // Same nine terms per output, possibly summed in another order.
            assertThat(channelsLast.sub(nchw).abs().max().getFloat()).isLessThan(1e-6f);
        }
    }

    @ParameterizedTest
    @CsvSource({"1, 3, 5", "2, 1, 7", "3, 8, 1"})
    void conversionKeepsShapeAndValues(int batch, int channels, int grid) {
        try (NDManager manager = Networks.newManager()) {
            NDArray input = manager.randomNormal(new Shape(batch, channels, grid, grid));

            NDArray converted = ChannelsLast.of(input);

            assertThat(converted.getShape()).isEqualTo(input.getShape());
            assertThat(converted.contentEquals(input)).isTrue();
            assertThat(isStoredChannelsLast(converted)).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void theInferenceFormKeepsWeightsAndEveryStagesActivationsChannelsLast(Architecture architecture) {
        try (NDManager manager = Networks.newManager()) {
            int size = architecture.minInputSize();
            InceptionNetwork trained = architecture.build(10, 3, false);
            Networks.initialize(trained, manager, 2, 3, size);
            InceptionNetwork inference = (InceptionNetwork) InferenceForm.of(trained, manager);
            NDArray input = manager.randomNormal(new Shape(2, 3, size, size));
            assertThat(isStoredChannelsLast(input))
                    .as("control: a plain array is NCHW")
                    .isFalse();

            for (Pair<String, Parameter> parameter : inference.getParameters()) {
                NDArray value = parameter.getValue().getArray();
                if (value.getShape().dimension() == 4) {
                    assertThat(isStoredChannelsLast(value))
                            .as(parameter.getKey())
                            .isTrue();
                }
            }

            NDList current = new NDList(input);
            for (Map.Entry<String, Block> stage : inference.stages().entrySet()) {
                current = Networks.forward(stage.getValue(), manager, current, false);
                if (current.head().getShape().dimension() == 4) {
                    assertThat(isStoredChannelsLast(current.head()))
                            .as(stage.getKey())
                            .isTrue();
                }
            }
        }
    }

    /**
     * Whether an N×C×H×W array's values are stored N×H×W×C: then its N×H×W×C view is contiguous.
     * DJL has no public call for contiguity, so its JNI binding is called reflectively.
     */
    private static boolean isStoredChannelsLast(NDArray array) {
        NDArray nhwc = array.transpose(0, 2, 3, 1);
        try {
            Class<?> library = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
            Field instance = library.getDeclaredField("LIB");
            instance.setAccessible(true);
            Method isContiguous = library.getDeclaredMethod("torchIsContiguous", long.class);
            isContiguous.setAccessible(true);
            return (boolean) isContiguous.invoke(instance.get(null), ((PtNDArray) nhwc).getHandle());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
