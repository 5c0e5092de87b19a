package io.otnn.explain.engine;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The environment TensorFlow's native library reads once, when it loads, set before the first load so that every
 * process of the product runs the same kernels whatever the CPU.
 *
 * <p>TensorFlow 2.10 turns its oneDNN kernels (convolutions, pooling, matrix products, fused element-wise ops) on by
 * itself only on CPUs with AVX512_VNNI, AVX512_BF16 or AMX; on an AVX2 machine it falls back to Eigen's kernels,
 * which train and explain the convolutional networks 1.2–1.6× slower (bench/README.md, "TensorFlow's oneDNN
 * kernels"). So {@code TF_ENABLE_ONEDNN_OPTS} is set to 1 here unless the process's environment already says 0 or
 * 1: an operator's choice wins. Results differ from Eigen's only by floating-point rounding (another summation
 * order).
 *
 * <p>The JVM's {@link System#getenv} is a copy taken at start-up: the variable is set in the C library's environment,
 * which the native library reads, through JNA. Idempotent and thread-safe; a call after TensorFlow has loaded changes
 * nothing for that process. It creates a logger only to warn, so that a command line can call it before its log levels
 * are final.
 */
public final class TensorFlowEnvironment {

    /** TensorFlow's switch of its oneDNN kernels: 1 on, 0 off. */
    public static final String ONEDNN = "TF_ENABLE_ONEDNN_OPTS";

    /** The value this class gives {@link #ONEDNN} when the environment has none. */
    public static final String ONEDNN_DEFAULT = "1";

    private static volatile boolean prepared;

    private TensorFlowEnvironment() {}

    /** The C library's calls used here (POSIX). */
    interface CLibrary extends Library {
        int setenv(String name, String value, int overwrite);

        String getenv(String name);
    }

    /** Sets TensorFlow's variables that the environment leaves unset; call before anything loads TensorFlow. */
    public static void prepare() {
        if (prepared) return;
        synchronized (TensorFlowEnvironment.class) {
            if (prepared) return;
            prepared = true;
            CLibrary c = cLibrary();
            if (c == null) return;
            String given = c.getenv(ONEDNN);
            if (given != null) return;
            if (c.setenv(ONEDNN, ONEDNN_DEFAULT, 0) != 0) {
                log().warn("could not set {}={}; TensorFlow chooses its kernels by itself", ONEDNN, ONEDNN_DEFAULT);
            }
        }
    }

    /** The value TensorFlow's native library sees for {@code name}, or {@code null} (unset, or no C library). */
    public static String nativeValue(String name) {
        CLibrary c = cLibrary();
        return c == null ? null : c.getenv(name);
    }

    private static Logger log() {
        return LoggerFactory.getLogger(TensorFlowEnvironment.class);
    }

    private static CLibrary cLibrary() {
        if (Platform.isWindows()) {
            // TensorFlow's natives here are Linux-only; Windows's C runtime has no setenv
            return null;
        }
        try {
            return Native.load(Platform.C_LIBRARY_NAME, CLibrary.class);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            log().warn(
                            "cannot reach the C library to set {} ({}); TensorFlow chooses its kernels by itself",
                            ONEDNN,
                            e);
            return null;
        }
    }
}
