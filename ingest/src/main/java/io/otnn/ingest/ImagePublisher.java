package io.otnn.ingest;

import io.otnn.avro.ImageEvent;
import io.otnn.avro.PixelEncoding;
import io.otnn.ingest.source.ImageSource;
import io.otnn.ingest.source.SourceImage;
import io.otnn.schemas.auth.CredentialFailures;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClientConfig;
import io.otnn.schemas.serde.AvroSerdes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes images as {@code ImageEvent}s (key: the image id) with an idempotent producer, at most {@code rate}
 * images a second and at most {@code limit} images.
 *
 * <pre>{@code
 * try (ImagePublisher publisher = ImagePublisher.builder()
 *         .setBootstrapServers("localhost:9092").setSchemaRegistryUrl("http://localhost:8081")
 *         .optRate(500).optLimit(2_000).optWithLabels(true).build()) {
 *     PublishResult result = publisher.publish(List.of(ImageSource.parse("idx:/data/fashion-mnist")), progress);
 * }
 * }</pre>
 *
 * <p>The producer properties (security settings included) also configure the registry client: its
 * {@code schema.registry.*} and {@code basic.auth.*} keys are read from the same map. A refused credential (Kafka
 * or registry) stops the run at once: {@link PublishResult#stoppedBy()} says why, no further image is tried.
 */
public final class ImagePublisher implements AutoCloseable {

    public static final String DEFAULT_TOPIC = "otnn.images";

    /** Progress callback: images sent so far and the current rate (images/s). */
    @FunctionalInterface
    public interface Progress {
        void update(long sent, double ratePerSecond);

        Progress NONE = (sent, rate) -> {};
    }

    private final KafkaProducer<String, ImageEvent> producer;
    private final SchemaRegistryClient registry;
    private final String topic;
    private final double rate;
    private final long limit;
    private final boolean withLabels;

    private ImagePublisher(Builder b) {
        Map<String, Object> registryProps = new HashMap<>(b.producerProperties);
        registryProps.put(SchemaRegistryClientConfig.URL_CONFIG, b.registryUrl);
        this.registry = RestSchemaRegistryClient.fromConfig(registryProps);
        Map<String, Object> props = new HashMap<>();
        // the registry's own keys are not producer properties
        b.producerProperties.forEach((key, value) -> {
            if (!isRegistryKey(key)) {
                props.put(key, value);
            }
        });
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        // idempotent: a retried send never duplicates an image
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        this.producer = new KafkaProducer<>(
                props,
                new StringSerializer(),
                AvroSerdes.specific(ImageEvent.class, registry, false).serializer());
        this.topic = b.topic;
        this.rate = b.rate;
        this.limit = b.limit;
        this.withLabels = b.withLabels;
    }

    public static Builder builder() {
        return new Builder();
    }

    private static boolean isRegistryKey(String key) {
        return key.startsWith("schema.registry.") || key.startsWith("basic.auth.");
    }

    /** Publishes the sources in order; unreadable items are skipped and reported, never fatal. */
    public PublishResult publish(List<ImageSource> sources, Progress progress) {
        long start = System.nanoTime();
        AtomicLong sent = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long[] submitted = {0};
        List<String> messages = Collections.synchronizedList(new ArrayList<>());
        // a refused credential: every further image would fail the same way, so the run stops at once
        AtomicReference<String> stoppedBy = new AtomicReference<>();
        long[] lastProgress = {0};
        for (ImageSource source : sources) {
            if (limit > 0 && submitted[0] >= limit || stoppedBy.get() != null) {
                break;
            }
            try {
                source.forEach(
                        image -> {
                            if (limit > 0 && submitted[0] >= limit || stoppedBy.get() != null) {
                                return false;
                            }
                            pace(start, submitted[0]);
                            producer.send(
                                    new ProducerRecord<>(
                                            topic, null, System.currentTimeMillis(), image.id(), toEvent(image)),
                                    (metadata, error) -> {
                                        if (error == null) {
                                            sent.incrementAndGet();
                                            return;
                                        }
                                        failed.incrementAndGet();
                                        var credentials = CredentialFailures.describe(error);
                                        if (credentials.isPresent()) {
                                            stoppedBy.compareAndSet(null, credentials.get());
                                        } else if (failed.get() <= 10) {
                                            messages.add(image.id() + ": not sent: " + error.getMessage());
                                        }
                                    });
                            submitted[0]++;
                            long now = System.nanoTime();
                            if (now - lastProgress[0] > TimeUnit.MILLISECONDS.toNanos(200)) {
                                lastProgress[0] = now;
                                progress.update(sent.get(), sent.get() / Math.max(1e-9, (now - start) / 1e9));
                            }
                            return true;
                        },
                        messages::add);
            } catch (IOException | RuntimeException e) {
                var credentials = CredentialFailures.describe(e);
                if (credentials.isPresent()) {
                    stoppedBy.compareAndSet(null, credentials.get());
                } else {
                    messages.add(source.describe() + ": " + e.getMessage());
                }
            }
        }
        producer.flush();
        double seconds = (System.nanoTime() - start) / 1e9;
        progress.update(sent.get(), sent.get() / Math.max(1e-9, seconds));
        long skipped =
                messages.stream().filter(m -> !m.contains(": not sent: ")).count();
        return new PublishResult(sent.get(), failed.get(), skipped, List.copyOf(messages), seconds, stoppedBy.get());
    }

    private ImageEvent toEvent(SourceImage image) {
        return ImageEvent.newBuilder()
                .setImageId(image.id())
                .setSource(image.source())
                .setEventTime(Instant.now())
                .setWidth(image.width())
                .setHeight(image.height())
                .setChannels(image.channels())
                .setEncoding(PixelEncoding.valueOf(image.encoding()))
                .setPixels(ByteBuffer.wrap(image.pixels()))
                .setLabel(withLabels ? image.label() : null)
                .setAttributes(new HashMap<>())
                .build();
    }

    /** Sleeps until image number {@code index} is due at {@code rate} images a second. */
    private void pace(long start, long index) {
        if (rate <= 0) {
            return;
        }
        long due = start + (long) (index * 1e9 / rate);
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    @Override
    public void close() {
        producer.close();
        registry.close();
    }

    /** {@code setX} for required values, {@code optX} for optional ones. */
    public static final class Builder {
        private String bootstrapServers;
        private String registryUrl;
        private String topic = DEFAULT_TOPIC;
        private double rate;
        private long limit;
        private boolean withLabels;
        private final Map<String, Object> producerProperties = new HashMap<>();

        public Builder setBootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        public Builder setSchemaRegistryUrl(String url) {
            this.registryUrl = url;
            return this;
        }

        public Builder optTopic(String topic) {
            this.topic = topic;
            return this;
        }

        /** Images a second; 0 = as fast as possible. */
        public Builder optRate(double perSecond) {
            this.rate = perSecond;
            return this;
        }

        /** Most images to send; 0 = all. */
        public Builder optLimit(long limit) {
            this.limit = limit;
            return this;
        }

        /** Send the sources' labels (for accuracy monitoring). */
        public Builder optWithLabels(boolean withLabels) {
            this.withLabels = withLabels;
            return this;
        }

        /** Any producer property (security settings included), or a registry client key ({@code schema.registry.*},
         * {@code basic.auth.*}). */
        public Builder optProducerProperty(String key, Object value) {
            producerProperties.put(key, value);
            return this;
        }

        /**
         * Settings as a client properties file holds them (e.g. a secure local stack's client file, read with
         * {@link ClientSettings#read}): {@code bootstrap.servers} and {@code schema.registry.url} set the addresses,
         * every other key is a producer property or a registry client key.
         */
        public Builder optClientSettings(Map<String, String> settings) {
            settings.forEach((key, value) -> {
                if (key.equals(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                    setBootstrapServers(value);
                } else if (key.equals(SchemaRegistryClientConfig.URL_CONFIG)) {
                    setSchemaRegistryUrl(value);
                } else {
                    optProducerProperty(key, value);
                }
            });
            return this;
        }

        public ImagePublisher build() {
            Objects.requireNonNull(bootstrapServers, "setBootstrapServers is required");
            Objects.requireNonNull(registryUrl, "setSchemaRegistryUrl is required");
            if (rate < 0) {
                throw new IllegalArgumentException("rate must be >= 0 images/s, got " + rate);
            }
            if (limit < 0) {
                throw new IllegalArgumentException("limit must be >= 0, got " + limit);
            }
            return new ImagePublisher(this);
        }
    }
}
