package io.inceptionserve.importer;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import net.razorvine.pickle.PickleException;

/**
 * Reads a PyTorch state_dict file ({@code torch.save(model.state_dict(), f)}) in either of torch's
 * formats: the zip archive of torch 1.6 and later ({@code <archive>/data.pkl} plus one raw entry
 * {@code <archive>/data/<key>} per storage) and the legacy stream before it (magic number,
 * protocol version and system info pickles, the data pickle, the list of storage keys, then each
 * storage as a little-endian element count followed by its bytes).
 */
final class PthFile {

    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
    /** Pickle's PROTO opcode, the first byte of a pickle of protocol 2 or later, as torch writes. */
    private static final byte PICKLE_PROTO = (byte) 0x80;

    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final int LEGACY_PROTOCOL_VERSION = 1001;

    private PthFile() {}

    /**
     * Reads the state_dict stored in {@code file}.
     *
     * @param file a .pth / .pt file
     * @return the tensors by state_dict key
     * @throws ImportException if the file is not a state_dict in one of torch's formats
     * @throws IOException if it cannot be read
     */
    static Map<String, TorchTensor> readStateDict(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(ZIP_MAGIC.length);
        }
        Object root;
        try {
            if (Arrays.equals(head, ZIP_MAGIC)) {
                root = readZip(file);
            } else if (head.length > 0 && head[0] == PICKLE_PROTO) {
                root = readLegacy(file);
            } else {
                throw notTorchSave(file);
            }
        } catch (PickleException | ClassCastException e) {
            throw new ImportException(file.getFileName() + " is not a PyTorch state_dict: " + e.getMessage(), e);
        }
        return stateDict(file, root);
    }

    private static ImportException notTorchSave(Path file) {
        return new ImportException(
                file.getFileName() + " is neither a zip archive nor in torch's legacy format: not a torch.save file");
    }

    private static Object readZip(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = zip.stream()
                    .map(ZipEntry::getName)
                    .filter(name -> name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - 9)
                    .findFirst()
                    .map(name -> name.substring(0, name.length() - "data.pkl".length()))
                    .orElseThrow(() -> new ImportException(file.getFileName()
                            + " is a zip archive without <archive>/data.pkl, not a torch.save file"));
            // torch 2.1 and later record the byte order; older versions wrote little-endian only.
            ZipEntry byteOrderEntry = zip.getEntry(prefix + "byteorder");
            ByteOrder order = byteOrderEntry != null
                            && new String(zip.getInputStream(byteOrderEntry).readAllBytes(), StandardCharsets.US_ASCII)
                                    .strip()
                                    .equals("big")
                    ? ByteOrder.BIG_ENDIAN
                    : ByteOrder.LITTLE_ENDIAN;
            Map<String, TorchStorage> loaded = new HashMap<>();
            TorchUnpickler unpickler = new TorchUnpickler(pid ->
                    loaded.computeIfAbsent(String.valueOf(pid[2]), key -> zipStorage(zip, prefix, key, pid, order)));
            try (InputStream data = zip.getInputStream(zip.getEntry(prefix + "data.pkl"))) {
                return unpickler.load(data);
            }
        }
    }

    private static TorchStorage zipStorage(ZipFile zip, String prefix, String key, Object[] pid, ByteOrder order) {
        TorchStorage storage = newStorage(key, pid);
        ZipEntry entry = zip.getEntry(prefix + "data/" + key);
        if (entry == null) {
            throw new ImportException("storage " + key + " has no entry " + prefix + "data/" + key);
        }
        try (InputStream in = zip.getInputStream(entry)) {
            storage.fill(in.readAllBytes(), order);
        } catch (IOException e) {
            throw new ImportException("cannot read storage " + key + ": " + e.getMessage(), e);
        }
        return storage;
    }

    private static Object readLegacy(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            // Pyrolite reads a pickle up to its STOP opcode and no further, so they follow one another.
            Object magic = new TorchUnpickler(PthFile::noStorages).load(in);
            if (!LEGACY_MAGIC.equals(magic instanceof Number n ? new BigInteger(n.toString()) : null)) {
                throw notTorchSave(file);
            }
            Object protocol = new TorchUnpickler(PthFile::noStorages).load(in);
            if (!(protocol instanceof Number version && version.intValue() == LEGACY_PROTOCOL_VERSION)) {
                throw new ImportException(file.getFileName() + " has legacy protocol version " + protocol
                        + ", expected " + LEGACY_PROTOCOL_VERSION);
            }
            new TorchUnpickler(PthFile::noStorages).load(in); // system info; storages are little-endian
            Map<String, TorchStorage> roots = new LinkedHashMap<>();
            Object root = new TorchUnpickler(pid -> legacyStorage(roots, pid)).load(in);
            List<?> keys = (List<?>) new TorchUnpickler(PthFile::noStorages).load(in);
            for (Object key : keys) {
                TorchStorage storage = roots.get(String.valueOf(key));
                if (storage == null) {
                    throw new ImportException("storage " + key + " is stored but nothing refers to it");
                }
                byte[] count = in.readNBytes(Long.BYTES);
                long numel = count.length == Long.BYTES
                        ? ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN).getLong()
                        : -1;
                if (numel != storage.numel()) {
                    throw new ImportException("storage " + key + " should hold " + storage.numel()
                            + " elements, the file gives " + (numel < 0 ? "none" : numel));
                }
                storage.fill(
                        in.readNBytes(Math.toIntExact(numel * storage.type().elementSize())), ByteOrder.LITTLE_ENDIAN);
            }
            return root;
        }
    }

    /** Legacy ids: ('storage', type, root key, location, numel, view metadata or None). */
    private static TorchStorage legacyStorage(Map<String, TorchStorage> roots, Object[] pid) {
        if (pid.length > 5 && pid[5] != null) {
            throw new ImportException(
                    "storage " + pid[2] + " is a view of another storage, which old torch"
                            + " versions wrote and this importer does not read; re-save the state_dict with torch 1.6 or later");
        }
        return roots.computeIfAbsent(String.valueOf(pid[2]), key -> newStorage(key, pid));
    }

    private static TorchStorage newStorage(String key, Object[] pid) {
        if (!(pid[1] instanceof StorageType type)) {
            throw new ImportException("storage " + key + " has no torch storage type: " + pid[1]);
        }
        return new TorchStorage(key, type, ((Number) pid[4]).longValue());
    }

    private static TorchStorage noStorages(Object[] pid) {
        throw new ImportException("a header pickle refers to storage " + pid[2]);
    }

    private static Map<String, TorchTensor> stateDict(Path file, Object root) {
        if (!(root instanceof Map<?, ?> map)) {
            throw new ImportException(file.getFileName() + " holds a " + describe(root) + ", not a state_dict");
        }
        Map<String, TorchTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!(entry.getKey() instanceof String key) || !(entry.getValue() instanceof TorchTensor tensor)) {
                throw new ImportException(file.getFileName() + " is not a state_dict: its entry '" + entry.getKey()
                        + "' is a " + describe(entry.getValue()) + ", not a tensor (save model.state_dict())");
            }
            tensors.put(key, tensor);
        }
        return tensors;
    }

    private static String describe(Object value) {
        return value == null ? "None" : value.getClass().getSimpleName();
    }
}
