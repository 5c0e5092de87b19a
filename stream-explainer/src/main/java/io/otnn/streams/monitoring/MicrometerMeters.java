package io.otnn.streams.monitoring;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.otnn.explain.input.RejectionKind;

/**
 * The explainer's own meters in a Micrometer registry. Names as Prometheus shows them:
 * {@code otnn_explained_images_total}, {@code otnn_dead_letters_total{kind}}, {@code otnn_batch_size},
 * {@code otnn_queue_time_seconds}, {@code otnn_model_time_seconds}, {@code otnn_certificate} (the last four with
 * histogram buckets).
 */
final class MicrometerMeters implements ExplainerMeters {

    /** Bucket bounds of the certificate (an L2 radius in input units; the inputs are in [0, 1]). */
    static final double[] CERTIFICATE_BUCKETS = {0.01, 0.025, 0.05, 0.1, 0.1411764705882353, 0.2, 0.3, 0.5, 0.75, 1,
            1.5, 2, 3, 5};

    private final MeterRegistry registry;
    private final Counter explained;
    private final DistributionSummary batchSize;
    private final Timer queueTime;
    private final Timer modelTime;
    private final DistributionSummary certificate;
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();

    MicrometerMeters(MeterRegistry registry) {
        this.registry = registry;
        this.explained = Counter.builder("otnn.explained.images")
                .description("Explanations forwarded to the explanations topic")
                .register(registry);
        this.batchSize = DistributionSummary.builder("otnn.batch.size")
                .description("Images per model call")
                .publishPercentileHistogram()
                .minimumExpectedValue(1.0)
                .maximumExpectedValue(4096.0)
                .register(registry);
        this.queueTime = Timer.builder("otnn.queue.time")
                .description("From an image's time (event time, else record timestamp) to the start of its batch: "
                        + "the queuedMs of its explanation")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(1))
                .register(registry);
        this.modelTime = Timer.builder("otnn.model.time")
                .description("Duration of one model call (a whole batch)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        this.certificate = DistributionSummary.builder("otnn.certificate")
                .description("Certified L2 robustness radius of each explained image")
                .serviceLevelObjectives(CERTIFICATE_BUCKETS)
                .register(registry);
        // every kind from the start, at 0: a rate is defined before the first dead letter of a kind
        for (RejectionKind kind : RejectionKind.values()) {
            deadLettered(kind.name(), 0);
        }
    }

    @Override
    public void explained(long queuedMs, double certificate) {
        explained.increment();
        queueTime.record(queuedMs, TimeUnit.MILLISECONDS);
        this.certificate.record(certificate);
    }

    @Override
    public void deadLettered(String kind) {
        deadLettered(kind, 1);
    }

    private void deadLettered(String kind, double amount) {
        deadLetters.computeIfAbsent(kind, k -> Counter.builder("otnn.dead.letters")
                .description("Dead letters forwarded to the dead-letter topic, by kind")
                .tag("kind", k)
                .register(registry)).increment(amount);
    }

    @Override
    public void modelCall(int images, long nanos) {
        batchSize.record(images);
        modelTime.record(nanos, TimeUnit.NANOSECONDS);
    }
}
