package io.inceptionserve.oip;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * The {@code data} of an input tensor, flattened in row-major order. The protocol lets a client
 * nest it as the tensor's shape or send it flat; both read the same. Numbers are read straight
 * into a {@code float[]} as they stream in, so a large FP32 tensor never exists as a JSON tree.
 */
@JsonDeserialize(using = TensorData.Reader.class)
public sealed interface TensorData {

    /** Number of elements. */
    int size();

    /** Numeric elements, as FP32. */
    record Numbers(float[] values) implements TensorData {
        @Override
        public int size() {
            return values.length;
        }
    }

    /** String elements: for BYTES tensors, one base64 string per element. */
    record Strings(List<String> values) implements TensorData {
        @Override
        public int size() {
            return values.size();
        }
    }

    /** Reads nested or flat arrays, or a lone value as a one-element tensor. */
    final class Reader extends ValueDeserializer<TensorData> {

        @Override
        public TensorData deserialize(JsonParser parser, DeserializationContext context) {
            Elements elements = new Elements();
            int depth = 0;
            JsonToken token = parser.currentToken();
            while (true) {
                switch (token) {
                    case START_ARRAY -> depth++;
                    case END_ARRAY -> depth--;
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> elements.number(parser.getFloatValue(), this, context);
                    case VALUE_STRING -> elements.string(parser.getString(), this, context);
                    default ->
                        context.reportInputMismatch(
                                this, "tensor data holds numbers or strings, in arrays; found " + token);
                }
                if (depth == 0) {
                    return elements.toTensorData();
                }
                token = parser.nextToken();
            }
        }
    }

    /** Collects elements of one kind; mixing numbers and strings is refused. */
    final class Elements {
        private float[] numbers = new float[1024];
        private int numberCount;
        private List<String> strings;

        void number(float value, ValueDeserializer<?> reader, DeserializationContext context) {
            if (strings != null) {
                context.reportInputMismatch(reader, "tensor data mixes strings and numbers");
            }
            if (numberCount == numbers.length) {
                numbers = Arrays.copyOf(numbers, numbers.length * 2);
            }
            numbers[numberCount++] = value;
        }

        void string(String value, ValueDeserializer<?> reader, DeserializationContext context) {
            if (numberCount > 0) {
                context.reportInputMismatch(reader, "tensor data mixes strings and numbers");
            }
            if (strings == null) {
                strings = new ArrayList<>();
            }
            strings.add(value);
        }

        TensorData toTensorData() {
            return strings != null
                    ? new Strings(List.copyOf(strings))
                    : new Numbers(Arrays.copyOf(numbers, numberCount));
        }
    }
}
