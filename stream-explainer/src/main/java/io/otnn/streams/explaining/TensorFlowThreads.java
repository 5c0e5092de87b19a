package io.otnn.streams.explaining;

import io.otnn.streams.ExplainerConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TensorFlow thread pools of the models this JVM loads: DJL reads the JVM properties {@link #INTRA_OP} and {@link
 * #INTER_OP} each time it loads a model, so the {@code tensorflow.*.threads} settings become those properties before
 * the first load. A property set on the command line ({@code -D}, {@code OTNN_JAVA_OPTS}) is the user's and is never
 * replaced; one set here by an earlier explainer of this JVM is.
 */
public final class TensorFlowThreads {

    private static final Logger LOG = LoggerFactory.getLogger(TensorFlowThreads.class);

    /** DJL's intra-op pool size (threads one operation may use). */
    public static final String INTRA_OP = "ai.djl.tensorflow.num_intraop_threads";
    /** DJL's inter-op pool size (operations run at once). */
    public static final String INTER_OP = "ai.djl.tensorflow.num_interop_threads";

    /** The values this class set, by property: a property found with another value was set by someone else. */
    private static final Map<String, String> SET_HERE = new ConcurrentHashMap<>();

    private TensorFlowThreads() {}

    /** Applies the configuration's thread counts to the JVM properties DJL reads (0: TensorFlow's own default; unset: the cores per
     * stream thread). */
    public static void apply(ExplainerConfig config) {
        apply(
                INTRA_OP,
                ExplainerConfig.TENSORFLOW_INTRA_OP_THREADS_CONFIG,
                config.tensorflowIntraOpThreads(),
                config.originals().containsKey(ExplainerConfig.TENSORFLOW_INTRA_OP_THREADS_CONFIG));
        apply(
                INTER_OP,
                ExplainerConfig.TENSORFLOW_INTER_OP_THREADS_CONFIG,
                config.tensorflowInterOpThreads(),
                config.originals().containsKey(ExplainerConfig.TENSORFLOW_INTER_OP_THREADS_CONFIG));
    }

    static void apply(String property, String key, int threads, boolean explicit) {
        String current = System.getProperty(property);
        if (current != null && !current.equals(SET_HERE.get(property))) {
            if (explicit && !current.equals(Integer.toString(threads))) {
                LOG.warn(
                        "{}={} is ignored: the JVM property {}={} set on the command line wins",
                        key,
                        threads,
                        property,
                        current);
            }
            return;
        }
        if (threads > 0) {
            String value = Integer.toString(threads);
            System.setProperty(property, value);
            SET_HERE.put(property, value);
        } else if (current != null) {
            System.clearProperty(property);
            SET_HERE.remove(property);
        }
    }
}
