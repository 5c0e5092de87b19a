package io.otnn.streams.testing;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.otnn.streams.StreamExplainerApp;
import io.otnn.streams.explaining.OtnnEngine;

/**
 * {@code otnn explain} with the real engine wrapped in a {@link FaultInjectingEngine}, for a child JVM
 * ({@link ChildExplainer#start(Class, Path, Map, Path)}): every model call whose batch holds an image of
 * {@link #POISON_VALUE} in every pixel fails, so those batches fail and are retried image by image.
 *
 * <p>Arguments: {@code --model DIR} and any number of {@code -p key=value}.
 */
public final class FaultyExplainerMain {

    /** The raw byte of every pixel of a poisoned image. */
    public static final int POISON_VALUE = 128;

    private FaultyExplainerMain() {
    }

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
        Path model = null;
        Map<String, Object> props = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--model")) {
                model = Path.of(args[++i]);
            } else if (args[i].equals("-p")) {
                String pair = args[++i];
                int eq = pair.indexOf('=');
                props.put(pair.substring(0, eq), pair.substring(eq + 1));
            } else {
                throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (model == null) {
            throw new IllegalArgumentException("--model is required");
        }
        OtnnEngine real = OtnnEngine.load(model);
        FaultInjectingEngine faulty = new FaultInjectingEngine(real, pixels -> isPoisoned(pixels,
                real.model().input().rawScale(), real.model().input().rawOffset()));
        StreamExplainerApp app = StreamExplainerApp.builder().setProperties(props).optEngine(faulty).build();
        app.closeOnShutdown();
        app.start();
        app.awaitClose();
        real.close();
    }
}
