package io.otnn.streams.models;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.ImageExplanation;
import io.otnn.streams.drift.DriftReference;
import io.otnn.streams.explaining.BatchExplainer;
import io.otnn.streams.explaining.ExplanationEngine;
import io.otnn.streams.explaining.ServedModel;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model slot whose engine a {@link ModelFollower} swaps between batches. The stream tasks read {@link #current()}
 * before each model call; a swapped-out engine is closed once the last task's explainer of it is closed (reference
 * counting), so never under a running model call. Empty until its first engine ({@link #awaitServing}).
 */
public final class ModelSlot implements ServedModel {

    private static final Logger LOG = LoggerFactory.getLogger(ModelSlot.class);

    private final FollowSpec spec;
    private final AtomicReference<Serving> serving = new AtomicReference<>();
    private final RecentImages recent = new RecentImages(8);

    public ModelSlot(FollowSpec spec) {
        this.spec = spec;
    }

    public FollowSpec spec() {
        return spec;
    }

    /**
     * @throws IllegalStateException before the slot serves any engine (the app starts its stream only after the
     *                               first one)
     */
    @Override
    public Serving current() {
        Serving now = serving.get();
        if (now == null) {
            throw new IllegalStateException("the " + spec + " slot serves no model yet");
        }
        return now;
    }

    /** The serving engine's metadata, if any. */
    public Optional<ModelMetadata> servingModel() {
        Serving now = serving.get();
        return now == null ? Optional.empty() : Optional.of(now.engine().model());
    }

    /** Whether an engine serves. */
    @Override
    public boolean serving() {
        return serving.get() != null;
    }

    @Override
    public void offerSample(float[] pixels) {
        recent.offer(pixels);
    }

    /** A few images the stream decoded lately, newest first (the self-test of the next checkpoint). */
    public List<float[]> recentImages() {
        return recent.snapshot();
    }

    /**
     * Serves {@code engine} from the next batch on; the engine served before is closed once no task uses it.
     *
     * @param owned whether the slot closes {@code engine} when it is swapped out (false for an engine its caller owns)
     * @return the new generation
     */
    public synchronized long swap(ExplanationEngine engine, boolean owned) {
        Counted next = new Counted(engine, owned);
        Serving before = serving.get();
        long generation = before == null ? 0 : before.generation() + 1;
        serving.set(new Serving(next, generation));
        if (before != null) {
            ((Counted) before.engine()).retire();
        }
        return generation;
    }

    /** Closes the serving engine once no task uses it; the slot serves nothing any more. */
    public synchronized void close() {
        Serving before = serving.getAndSet(null);
        if (before != null) {
            ((Counted) before.engine()).retire();
        }
    }

    /**
     * An engine with a count of the explainers open on it: closed when it is retired and the count is zero. A task
     * that asks a retired engine for an explainer still gets one (it read {@link #current()} just before the swap);
     * one that asks a closed engine gets an {@link IllegalStateException} and reads {@link #current()} again.
     */
    static final class Counted implements ExplanationEngine {
        private final ExplanationEngine engine;
        private final boolean owned;
        private int open;
        private boolean retired;
        private boolean closed;

        Counted(ExplanationEngine engine, boolean owned) {
            this.engine = engine;
            this.owned = owned;
        }

        @Override
        public ModelMetadata model() {
            return engine.model();
        }

        @Override
        public DriftReference driftReference() {
            return engine.driftReference();
        }

        @Override
        public synchronized BatchExplainer newExplainer() {
            if (closed) {
                throw new IllegalStateException("model " + engine.model().name() + " v"
                        + engine.model().version() + " was swapped out and closed");
            }
            BatchExplainer explainer = engine.newExplainer();
            open++;
            return new BatchExplainer() {
                private boolean released;

                @Override
                public List<ImageExplanation> explain(float[][] images) {
                    return explainer.explain(images);
                }

                @Override
                public float[] logits(float[] flatImages, int n) {
                    return explainer.logits(flatImages, n);
                }

                @Override
                public void close() {
                    explainer.close();
                    synchronized (Counted.this) {
                        if (!released) {
                            released = true;
                            open--;
                            closeIfUnused();
                        }
                    }
                }
            };
        }

        synchronized void retire() {
            retired = true;
            closeIfUnused();
        }

        /** Engines are closed by their slot, never by a task. */
        @Override
        public void close() {}

        private void closeIfUnused() {
            if (retired && open == 0 && !closed) {
                closed = true;
                if (owned) {
                    LOG.info(
                            "Closed model {} v{}: no task uses it any more",
                            engine.model().name(),
                            engine.model().version());
                    engine.close();
                }
            }
        }

        synchronized boolean isClosed() {
            return closed;
        }
    }
}
