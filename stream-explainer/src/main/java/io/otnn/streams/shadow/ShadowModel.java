package io.otnn.streams.shadow;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.streams.explaining.ServedModel;
import java.util.Optional;

/**
 * The shadow of one application instance: the model slot it serves ({@link ServedModel}, whose engine may change)
 * and the counters of what it did. Each stream task explains with its own {@link ShadowExplainer}.
 */
public final class ShadowModel {

    private final ServedModel served;
    private final ShadowCounters counters = new ShadowCounters();

    public ShadowModel(ServedModel served) {
        this.served = served;
    }

    public ServedModel served() {
        return served;
    }

    public ShadowCounters counters() {
        return counters;
    }

    /** A new explainer for one stream task. */
    public ShadowExplainer newExplainer() {
        return new ShadowExplainer(served);
    }

    /**
     * Why a shadow cannot be compared with the primary, if it cannot: another input contract (shape, range or raw
     * encoding: the same pixels would not mean the same image), or another number of classes.
     */
    public static Optional<String> incompatibility(ModelMetadata primary, ModelMetadata shadow) {
        if (!primary.input().equals(shadow.input())) {
            return Optional.of("the shadow model " + shadow.name() + " v" + shadow.version() + " takes input "
                    + describe(shadow.input()) + ", the primary " + primary.name() + " v" + primary.version() + " "
                    + describe(primary.input()));
        }
        if (primary.logitCount() != shadow.logitCount()) {
            return Optional.of("the shadow model " + shadow.name() + " v" + shadow.version() + " has "
                    + shadow.logitCount() + " logit(s), the primary " + primary.name() + " v" + primary.version()
                    + " " + primary.logitCount());
        }
        return Optional.empty();
    }

    private static String describe(ModelMetadata.Input input) {
        return input.shape() + " in [" + input.min() + ", " + input.max() + "] (raw scale " + input.rawScale()
                + ", offset " + input.rawOffset() + ")";
    }
}
