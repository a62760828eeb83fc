import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;

/**
 * Loads DJL's PyTorch engine once while the image is built. With the natives in the
 * pytorch-native-cpu jar, DJL extracts them into its cache (DJL_CACHE_DIR) now instead of at
 * every container start; with PYTORCH_LIBRARY_PATH set, it proves the bundled libtorch and JNI
 * library load together before the image ships.
 */
public final class PreloadPyTorch {

    public static void main(String[] args) {
        Engine engine = Engine.getEngine("PyTorch");
        System.out.println("PyTorch " + engine.getVersion() + " natives in " + LibUtils.getLibtorchPath());
    }
}
