package io.otnn.streams.monitoring;

import io.otnn.explain.ImageExplanation;
import io.otnn.streams.explaining.BatchExplainer;
import java.util.List;
import java.util.Map;

/**
 * What the batching code tells the explainer's meters; every method does nothing by default ({@link #NONE}, when
 * {@code http.port} is off). Called from the stream threads; implementations are thread-safe.
 */
public interface ExplainerMeters {

    /** The key under which the meters travel in Kafka Streams' properties to the processors (as the output guard). */
    String CONFIG = "otnn.explainer.meters";

    ExplainerMeters NONE = new ExplainerMeters() {
        @Override
        public BatchExplainer timed(BatchExplainer explainer) {
            return explainer;
        }
    };

    /**
     * An explanation was forwarded.
     *
     * @param queuedMs    its {@code queuedMs}: from the image's time (event time, else record timestamp) to its batch's start
     * @param certificate its certified L2 radius
     */
    default void explained(long queuedMs, double certificate) {}

    /** A dead letter of this kind (a {@code RejectionKind} name) was forwarded. */
    default void deadLettered(String kind) {}

    /** A shadow explanation was forwarded. */
    default void shadowExplained() {}

    /** The shadow model failed for {@code images} images (its call or their post-processing): left uncompared. */
    default void shadowFailed(int images) {}
    /** A model slot ({@code role}: PRIMARY or SHADOW) serves {@code name} version {@code version} from now on. */
    default void modelServing(String role, String name, int version) {}

    /** A model slot refused a checkpoint of {@code name} (the reason is logged and published). */
    default void modelRefused(String role, String name) {}

    /** One model call on {@code images} images took {@code nanos}. */
    default void modelCall(int images, long nanos) {}

    /** The explainer, with each model call measured ({@link #modelCall}). */
    default BatchExplainer timed(BatchExplainer explainer) {
        return new BatchExplainer() {
            @Override
            public List<ImageExplanation> explain(float[][] images) {
                long start = System.nanoTime();
                try {
                    return explainer.explain(images);
                } finally {
                    modelCall(images.length, System.nanoTime() - start);
                }
            }

            @Override
            public float[] logits(float[] flatImages, int n) {
                // the online fidelity's forward passes: not a model call of the explanation
                return explainer.logits(flatImages, n);
            }

            @Override
            public void close() {
                explainer.close();
            }
        };
    }

    /** The meters registered in the application's configs, else {@link #NONE}. */
    static ExplainerMeters from(Map<String, Object> appConfigs) {
        return appConfigs.get(CONFIG) instanceof ExplainerMeters meters ? meters : NONE;
    }

    /** Puts these meters into Kafka Streams' properties, where {@link #from} finds them. */
    default void register(Map<Object, Object> streamsProperties) {
        streamsProperties.put(CONFIG, this);
    }
}
