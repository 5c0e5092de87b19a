package io.otnn.streams.testing;

import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.explaining.OtnnEngine;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code otnn explain} with the real engine wrapped in a {@link FaultInjectingEngine}, for a child JVM
 * ({@link ChildExplainer#start(Class, Path, Map, Path)}): every model call whose batch holds an image of
 * {@link #POISON_VALUE} in every pixel fails, so those batches fail and are retried image by image.
 *
 * <p>Arguments: those of {@link ExplainerMain}, {@code --model DIR} and any number of {@code -p key=value}.
 */
public final class FaultyExplainerMain {

    /** The raw byte of every pixel of a poisoned image. */
    public static final int POISON_VALUE = 128;

    private FaultyExplainerMain() {}

    public static boolean isPoisoned(float[] pixels, double rawScale, double rawOffset) {
        float poison = (float) (POISON_VALUE * rawScale + rawOffset);
        for (float p : pixels) {
            if (p != poison) {
                return false;
            }
        }
        return true;
    }

    public static void main(String[] args) throws Exception {
        Map<String, Object> props = ExplainerMain.arguments(args);
        Object model = props.remove(ExplainerConfig.MODEL_CONFIG);
        if (model == null) {
            throw new IllegalArgumentException("--model is required");
        }
        OtnnEngine real = OtnnEngine.load(Path.of(model.toString()));
        FaultInjectingEngine faulty = new FaultInjectingEngine(
                real,
                pixels -> isPoisoned(
                        pixels,
                        real.model().input().rawScale(),
                        real.model().input().rawOffset()));
        StreamExplainerApp app = StreamExplainerApp.builder()
                .setProperties(props)
                .optEngine(faulty)
                .build();
        app.closeOnShutdown();
        app.start();
        app.awaitClose();
        real.close();
    }
}
