package io.inceptionserve.importer;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.function.Function;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * Unpickles what {@code torch.save} writes for a state_dict, and nothing else: ordered dicts of
 * tensors. Storages are persistent ids the checkpoint format resolves; every other global name
 * than the few a state_dict uses is refused, so a pickled model or arbitrary object fails with its
 * name instead of turning into an opaque dictionary. Names are resolved per instance, not in
 * Pyrolite's process-wide registry.
 */
final class TorchUnpickler extends Unpickler {

    private final Function<Object[], TorchStorage> storages;

    /**
     * @param storages resolves a storage's persistent id, torch's tuple ('storage', storage type,
     *     key, location, numel[, view metadata])
     */
    TorchUnpickler(Function<Object[], TorchStorage> storages) {
        this.storages = storages;
    }

    @Override
    protected Object dispatch(short key) throws IOException {
        switch (key) {
            case Opcodes.GLOBAL -> {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(global(module, name));
                return NO_RETURN_VALUE;
            }
            case Opcodes.STACK_GLOBAL -> {
                String name = (String) stack.pop();
                String module = (String) stack.pop();
                stack.add(global(module, name));
                return NO_RETURN_VALUE;
            }
            case Opcodes.BUILD -> {
                // An OrderedDict's state is torch's _metadata (module versions), of no use here.
                Object state = stack.pop();
                if (!(stack.peek() instanceof OrderedDict)) {
                    throw new PickleException("cannot set the state of " + stack.peek() + " to " + state);
                }
                return NO_RETURN_VALUE;
            }
            default -> {
                return super.dispatch(key);
            }
        }
    }

    @Override
    protected Object persistentLoad(Object pid) {
        if (pid instanceof Object[] tuple && tuple.length >= 5 && "storage".equals(tuple[0])) {
            return storages.apply(tuple);
        }
        throw new PickleException("unknown persistent id " + pid + "; torch.save gives ('storage', …)");
    }

    private static Object global(String module, String name) {
        String qualified = module + "." + name;
        if (module.equals("torch") && name.endsWith("Storage")) {
            return StorageType.ofClassName(name)
                    .orElseThrow(() -> new PickleException("unsupported storage type " + qualified));
        }
        return switch (qualified) {
            case "collections.OrderedDict" -> (IObjectConstructor) args -> new OrderedDict();
            case "torch._utils._rebuild_tensor_v2" -> (IObjectConstructor) TorchUnpickler::rebuildTensor;
            // nn.Parameter(tensor, requires_grad[, hooks]): the tensor is what counts.
            case "torch._utils._rebuild_parameter" -> (IObjectConstructor) args -> args[0];
            default ->
                throw new PickleException("the checkpoint pickles " + qualified
                        + ", which a state_dict does not hold (save model.state_dict(), not the model)");
        };
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata])}. */
    private static TorchTensor rebuildTensor(Object[] args) {
        return new TorchTensor((TorchStorage) args[0], ((Number) args[1]).longValue(), longs(args[2]), longs(args[3]));
    }

    private static long[] longs(Object tuple) {
        Object[] values = (Object[]) tuple;
        long[] longs = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            longs[i] = ((Number) values[i]).longValue();
        }
        return longs;
    }

    /** Python's OrderedDict; its order is lost (Pyrolite sets items in batches), keys are what count. */
    static final class OrderedDict extends LinkedHashMap<Object, Object> {}
}
