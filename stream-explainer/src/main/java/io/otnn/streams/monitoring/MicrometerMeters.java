package io.otnn.streams.monitoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.otnn.explain.input.RejectionKind;
import io.prometheus.metrics.core.metrics.Histogram;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The explainer's own meters in Micrometer's Prometheus registry. Names as Prometheus shows them:
 * {@code otnn_explained_images_total}, {@code otnn_dead_letters_total{kind}}, {@code otnn_batch_size},
 * {@code otnn_queue_time_seconds}, {@code otnn_model_time_seconds}, {@code otnn_certificate} (the last four with
 * histogram buckets), {@code otnn_model_serving_version{role}} (the version each model slot serves),
 * {@code otnn_model_swaps_total{role}} and {@code otnn_model_refusals_total{role}} (refused checkpoints); with a shadow
 * model {@code otnn_shadow_explained_images_total} and {@code otnn_shadow_failed_images_total} (registered at 0
 * without one).
 */
final class MicrometerMeters implements ExplainerMeters {

    private static final Logger LOG = LoggerFactory.getLogger(MicrometerMeters.class);

    /** Bucket bounds of the certificate (an L2 radius in input units; the inputs are in [0, 1]). */
    static final double[] CERTIFICATE_BUCKETS = {
        0.01, 0.025, 0.05, 0.1, 0.1411764705882353, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5
    };

    /**
     * Explicit bucket bounds rather than Micrometer's percentile histograms (about 70 buckets each): enough for
     * p50/p99 with {@code histogram_quantile} at a fifth of the scrape's lines.
     */
    static final Duration[] QUEUE_TIME_BUCKETS =
            millis(1, 2, 5, 10, 20, 50, 75, 100, 150, 200, 300, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000);

    static final Duration[] MODEL_TIME_BUCKETS =
            millis(1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 1_000, 5_000);

    private final PrometheusMeterRegistry registry;
    private final Counter explained;
    private final Counter shadowExplained;
    private final Counter shadowFailed;
    private final DistributionSummary batchSize;
    private final Timer queueTime;
    private final Timer modelTime;
    private final Histogram certificate;
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final AtomicBoolean failureLogged = new AtomicBoolean();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> servingVersion = new ConcurrentHashMap<>();
    private final Map<String, Counter> swaps = new ConcurrentHashMap<>();
    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();

    MicrometerMeters(PrometheusMeterRegistry registry) {
        this.registry = registry;
        this.explained = Counter.builder("otnn.explained.images")
                .description("Explanations forwarded to the explanations topic")
                .register(registry);
        this.shadowExplained = Counter.builder("otnn.shadow.explained.images")
                .description("Shadow explanations forwarded to the shadow explanations topic")
                .register(registry);
        this.shadowFailed = Counter.builder("otnn.shadow.failed.images")
                .description("Images the shadow model failed to explain (left uncompared)")
                .register(registry);
        this.batchSize = DistributionSummary.builder("otnn.batch.size")
                .description("Images per model call")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 48, 64, 96, 128, 256, 512, 1024, 2048, 4096)
                .register(registry);
        this.queueTime = Timer.builder("otnn.queue.time")
                .description("From an image's time (event time, else record timestamp) to the start of its batch: "
                        + "the queuedMs of its explanation")
                .serviceLevelObjectives(QUEUE_TIME_BUCKETS)
                .register(registry);
        this.modelTime = Timer.builder("otnn.model.time")
                .description("Duration of one model call (a whole batch)")
                .serviceLevelObjectives(MODEL_TIME_BUCKETS)
                .register(registry);
        // not a Micrometer DistributionSummary: its fixed-bucket histograms count ceil(value), so every radius
        // below 1 would land in the bucket of 1 (ExplainerEndpointsTest caught it); the Prometheus client's
        // histogram, in the same registry, counts the value itself
        this.certificate = Histogram.builder()
                .name("otnn_certificate")
                .help("Certified L2 robustness radius of each explained image")
                .classicUpperBounds(CERTIFICATE_BUCKETS)
                .classicOnly()
                .withoutExemplars()
                .register(registry.getPrometheusRegistry());
        // every kind from the start, at 0: a rate is defined before the first dead letter of a kind
        for (RejectionKind kind : RejectionKind.values()) {
            deadLettered(kind.name(), 0);
        }
    }

    @Override
    public void explained(long queuedMs, double certificate) {
        safely(() -> {
            explained.increment();
            queueTime.record(queuedMs, TimeUnit.MILLISECONDS);
            this.certificate.observe(certificate);
        });
    }

    @Override
    public void shadowExplained() {
        safely(shadowExplained::increment);
    }

    @Override
    public void shadowFailed(int images) {
        safely(() -> shadowFailed.increment(images));
    }

    @Override
    public void deadLettered(String kind) {
        safely(() -> deadLettered(kind, 1));
    }

    private void deadLettered(String kind, double amount) {
        deadLetters
                .computeIfAbsent(
                        kind,
                        k -> Counter.builder("otnn.dead.letters")
                                .description("Dead letters forwarded to the dead-letter topic, by kind")
                                .tag("kind", k)
                                .register(registry))
                .increment(amount);
    }

    @Override
    public void modelServing(String role, String name, int version) {
        safely(() -> {
            servingVersion
                    .computeIfAbsent(role, r -> {
                        java.util.concurrent.atomic.AtomicInteger value =
                                new java.util.concurrent.atomic.AtomicInteger();
                        io.micrometer.core.instrument.Gauge.builder("otnn.model.serving.version", value::get)
                                .description("The model version the slot serves")
                                .tag("role", r)
                                .register(registry);
                        return value;
                    })
                    .set(version);
            swaps.computeIfAbsent(
                            role,
                            r -> Counter.builder("otnn.model.swaps")
                                    .description("Models the slot started serving (the first one included)")
                                    .tag("role", r)
                                    .register(registry))
                    .increment();
        });
    }

    @Override
    public void modelRefused(String role, String name) {
        safely(() -> refusals.computeIfAbsent(
                        role,
                        r -> Counter.builder("otnn.model.refusals")
                                .description("Announced checkpoints the slot refused (the serving model stayed)")
                                .tag("role", r)
                                .register(registry))
                .increment());
    }

    @Override
    public void modelCall(int images, long nanos) {
        safely(() -> {
            batchSize.record(images);
            modelTime.record(nanos, TimeUnit.NANOSECONDS);
        });
    }

    private static Duration[] millis(long... values) {
        Duration[] durations = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            durations[i] = Duration.ofMillis(values[i]);
        }
        return durations;
    }

    /**
     * A meter that fails must not fail the stream thread (its transaction would abort and its images be explained
     * again): the failure is logged once and the figure lost.
     */
    private void safely(Runnable update) {
        try {
            update.run();
        } catch (RuntimeException | LinkageError e) {
            if (failureLogged.compareAndSet(false, true)) {
                LOG.warn("A meter failed; /metrics may miss figures from now on", e);
            }
        }
    }
}
