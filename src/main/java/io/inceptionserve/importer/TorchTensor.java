package io.inceptionserve.importer;

import java.util.Arrays;

/**
 * A tensor of a checkpoint as torch rebuilds it ({@code torch._utils._rebuild_tensor_v2}): a view
 * of a storage from an element offset with a size and a stride per dimension, so transposed or
 * sliced tensors read back in their logical, row-major order.
 *
 * @param storage the storage it views
 * @param offset the first element's index in the storage
 * @param shape the size of each dimension
 * @param stride the storage step of each dimension
 */
record TorchTensor(TorchStorage storage, long offset, long[] shape, long[] stride) {

    TorchTensor {
        if (shape.length != stride.length) {
            throw new ImportException("a tensor of storage " + storage.key() + " has size " + Arrays.toString(shape)
                    + " but stride " + Arrays.toString(stride));
        }
    }

    long numel() {
        return Arrays.stream(shape).reduce(1, Math::multiplyExact);
    }

    StorageType type() {
        return storage.type();
    }

    /** Its elements in row-major order, converted to float. */
    float[] toFloats() {
        if (!type().isFloatingPoint()) {
            throw new ImportException(
                    "a tensor of storage " + storage.key() + " is " + type().dtype() + ", not floating point");
        }
        float[] values = new float[Math.toIntExact(numel())];
        if (values.length == 0) {
            return values;
        }
        long last = offset;
        for (int d = 0; d < shape.length; d++) {
            last += (shape[d] - 1) * stride[d];
        }
        if (offset < 0 || last >= storage.numel()) {
            throw new ImportException("a tensor of size " + Arrays.toString(shape) + ", stride "
                    + Arrays.toString(stride) + " and offset " + offset + " reaches past storage "
                    + storage.key() + " of " + storage.numel() + " elements");
        }
        long[] index = new long[shape.length];
        long position = offset;
        for (int i = 0; i < values.length; i++) {
            values[i] = storage.floatAt(position);
            // Odometer step: the last dimension moves fastest.
            for (int d = shape.length - 1; d >= 0; d--) {
                index[d]++;
                position += stride[d];
                if (index[d] < shape[d]) {
                    break;
                }
                position -= stride[d] * shape[d];
                index[d] = 0;
            }
        }
        return values;
    }
}
