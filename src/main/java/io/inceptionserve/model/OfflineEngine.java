package io.inceptionserve.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;

/**
 * The PyTorch engine, always offline: its natives come from the {@code pytorch-native-cpu} jar on
 * the class path, and DJL must never try to download anything at run time.
 */
public final class OfflineEngine {

    private OfflineEngine() {}

    /** Switches DJL to offline mode and returns the PyTorch engine. */
    public static Engine pytorch() {
        System.setProperty("ai.djl.offline", "true");
        return Engine.getEngine("PyTorch");
    }

    /**
     * Sets how many threads libtorch splits one operator over on the CPU: for the calling thread,
     * and for every thread that has not run an operator yet (libtorch reads it once per thread).
     */
    public static void useIntraOpThreads(int threads) {
        pytorch();
        JniUtils.setNumThreads(threads);
    }

    /** Every visible GPU, or the CPU when there is none. */
    public static List<Device> visibleDevices() {
        int gpus = pytorch().getGpuCount();
        if (gpus == 0) {
            return List.of(Device.cpu());
        }
        List<Device> devices = new ArrayList<>(gpus);
        for (int i = 0; i < gpus; i++) {
            devices.add(Device.gpu(i));
        }
        return devices;
    }
}
