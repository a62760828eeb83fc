package io.inceptionserve.jmh;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.inceptionserve.model.Architecture;
import io.inceptionserve.model.OfflineEngine;
import io.inceptionserve.model.blocks.InceptionNetwork;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * One network under test, loaded into its own DJL {@link Model} on the CPU and run through a
 * {@link Predictor}, as the service runs it: one of ours (1000 classes, random weights) or a
 * TorchScript reference traced from torchvision.
 */
final class Subject implements AutoCloseable {

    /** Prefix of the TorchScript references' names: "torchscript-googlenet" loads googlenet.pt. */
    static final String TORCHSCRIPT = "torchscript-";

    private static final int CLASSES = 1000;
    private static final int CHANNELS = 3;

    private final Model model;
    private final Shape inputShape;
    private final float[] pixels;

    private Subject(Model model, Shape inputShape) {
        this.model = model;
        this.inputShape = inputShape;
        this.pixels = new float[Math.toIntExact(inputShape.size())];
        Random random = new Random(42);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
    }

    /**
     * Loads a network.
     *
     * @param name an architecture id (googlenet-bn, …) or {@code torchscript-<torchvision name>}
     * @param form for ours: {@link Form}; ignored for TorchScript
     * @param batch images per forward pass
     * @param torchscriptDirectory where the traced references are
     */
    static Subject open(String name, Form form, int batch, Path torchscriptDirectory)
            throws IOException, MalformedModelException {
        // As in the service, the benchmark threads are not the thread that started the engine, so
        // libtorch's (thread-local) grad mode is on in them: only parameters that need no gradient
        // keep a forward from recording an autograd graph.
        Thread engineStarter = new Thread(OfflineEngine::pytorch, "engine-starter");
        engineStarter.start();
        try {
            engineStarter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Model model = Model.newInstance(name, Device.cpu(), "PyTorch");
        int size;
        if (name.startsWith(TORCHSCRIPT)) {
            String reference = name.substring(TORCHSCRIPT.length());
            model.load(torchscriptDirectory, reference);
            size = TorchScriptReferences.inputSize(reference);
        } else {
            Architecture architecture = Architecture.fromId(name);
            size = architecture.defaultInputSize();
            InceptionNetwork trained = architecture.build(CLASSES, CHANNELS, false);
            trained.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, CHANNELS, size, size));
            model.setBlock(form.of(trained, model.getNDManager()));
        }
        return new Subject(model, new Shape(batch, CHANNELS, size, size));
    }

    /** A predictor for one benchmark thread: DJL's predictors are not thread-safe. */
    Predictor<float[], float[]> newPredictor() {
        return model.newPredictor(new LogitsTranslator(inputShape));
    }

    /** The input every forward pass gets: one batch of random pixels. */
    float[] pixels() {
        return pixels;
    }

    int batch() {
        return (int) inputShape.get(0);
    }

    @Override
    public void close() {
        model.close();
    }

    /** Creates the batch from the pixels and returns the logits, as the service's translator does. */
    private record LogitsTranslator(Shape inputShape) implements NoBatchifyTranslator<float[], float[]> {

        @Override
        public NDList processInput(TranslatorContext ctx, float[] pixels) {
            return new NDList(ctx.getNDManager().create(pixels, inputShape));
        }

        @Override
        public float[] processOutput(TranslatorContext ctx, NDList list) {
            return list.head().toFloatArray();
        }
    }
}
