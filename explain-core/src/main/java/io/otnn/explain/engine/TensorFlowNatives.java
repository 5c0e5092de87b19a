package io.otnn.explain.engine;

import ai.djl.engine.Engine;
import io.otnn.explain.ModelException;
import java.nio.file.Path;
import org.bytedeco.javacpp.Loader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes DJL's TensorFlow engine run on TF Java's own natives (docs/architecture.md, "Engines and version pins"): JavaCPP loads
 * {@code org.tensorflow.internal.c_api.global.tensorflow}, and {@code TENSORFLOW_LIBRARY_PATH} points DJL at the folder
 * of the loaded library before its engine starts, so DJL neither looks for {@code tensorflow-native-cpu} (a CUDA build)
 * nor tries to download anything. Idempotent and thread-safe.
 */
public final class TensorFlowNatives {

    private static final Logger LOG = LoggerFactory.getLogger(TensorFlowNatives.class);
    public static final String ENGINE_NAME = "TensorFlow";

    private static volatile Engine engine;

    private TensorFlowNatives() {}

    /** Loads the natives once and starts DJL's TensorFlow engine; returns it. */
    public static Engine bootstrap() {
        Engine started = engine;
        if (started != null) return started;
        synchronized (TensorFlowNatives.class) {
            if (engine != null) return engine;
            // read by the native library when it loads, so before the first load
            TensorFlowEnvironment.prepare();
            // never let DJL reach for the network: every native is already on the class path
            System.setProperty("ai.djl.offline", "true");
            String library;
            try {
                library = Loader.load(org.tensorflow.internal.c_api.global.tensorflow.class);
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                throw new ModelException(
                        "cannot load TensorFlow natives through JavaCPP (is "
                                + "org.tensorflow:tensorflow-core-api:linux-x86_64 on the class path, and is the JavaCPP cache "
                                + "writable? move it with -Dorg.bytedeco.javacpp.cachedir=DIR): " + e,
                        e);
            }
            if (library == null) {
                throw new ModelException("JavaCPP returned no TensorFlow library path; the natives jar for this "
                        + "platform (" + Loader.getPlatform() + ") is missing");
            }
            String folder = Path.of(library).toAbsolutePath().getParent().toString();
            System.setProperty("TENSORFLOW_LIBRARY_PATH", folder);
            LOG.debug("TensorFlow natives loaded from {}", folder);
            try {
                engine = Engine.getEngine(ENGINE_NAME);
            } catch (RuntimeException e) {
                throw new ModelException(
                        "DJL's TensorFlow engine did not start with TENSORFLOW_LIBRARY_PATH=" + folder
                                + " (ai.djl.tensorflow:tensorflow-engine must be on the class path, "
                                + "tensorflow-native-cpu must not): " + e,
                        e);
            }
            return engine;
        }
    }
}
