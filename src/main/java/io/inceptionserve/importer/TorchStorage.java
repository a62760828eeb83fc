package io.inceptionserve.importer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One storage of a checkpoint: a flat run of elements that tensors view. Its bytes may arrive
 * after the pickle that refers to it (torch's legacy format stores them behind it).
 */
final class TorchStorage {

    private final String key;
    private final StorageType type;
    private final long numel;
    private ByteBuffer data;

    TorchStorage(String key, StorageType type, long numel) {
        this.key = key;
        this.type = type;
        this.numel = numel;
    }

    /** Sets the bytes, which must hold exactly this storage's elements. */
    void fill(byte[] bytes, ByteOrder order) {
        if (data != null) {
            throw new IllegalStateException("storage " + key + " is already backed by data");
        }
        if (bytes.length != numel * type.elementSize()) {
            throw new ImportException("storage " + key + " should hold " + numel + " " + type.dtype() + " elements ("
                    + numel * type.elementSize() + " bytes) but has " + bytes.length + " bytes");
        }
        data = ByteBuffer.wrap(bytes).order(order);
    }

    String key() {
        return key;
    }

    StorageType type() {
        return type;
    }

    long numel() {
        return numel;
    }

    /** The floating-point element at {@code index}, which the caller has checked against {@link #numel}. */
    float floatAt(long index) {
        if (data == null) {
            throw new ImportException("storage " + key + " is referred to but its data is missing");
        }
        return type.floatAt(data, Math.toIntExact(index));
    }
}
