package io.otnn.streams.testing;

import io.otnn.streams.format.RecordFormat;
import io.otnn.streams.records.ImageInput;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends random labelled 28×28 RAW_U8 images at a steady rate from a thread of its own, as an ingest process does,
 * so that a fault can strike while images keep arriving. Its idempotent producer buffers and retries through a
 * broker outage (two minutes of delivery timeout).
 */
public final class PacedSender {

    private final AtomicInteger sent = new AtomicInteger();
    private final CompletableFuture<Map<String, ImageInput>> done = new CompletableFuture<>();

    private PacedSender() {}

    /** Starts sending {@code count} images ({@code idFormat} ids) at {@code perSecond}. */
    public static PacedSender start(
            String bootstrap, RecordFormat format, String topic, int count, int perSecond, String idFormat, long seed) {
        return start(bootstrap, format, topic, count, perSecond, idFormat, seed, 0, (byte) 0);
    }

    /**
     * As above, and every {@code poisonEvery}-th image (0: none) has the byte {@code poison} in every pixel, for an
     * engine that fails on such images ({@link FaultInjectingEngine}).
     */
    public static PacedSender start(
            String bootstrap,
            RecordFormat format,
            String topic,
            int count,
            int perSecond,
            String idFormat,
            long seed,
            int poisonEvery,
            byte poison) {
        PacedSender sender = new PacedSender();
        Thread thread = new Thread(
                () -> sender.run(bootstrap, format, topic, count, perSecond, idFormat, seed, poisonEvery, poison),
                "paced-sender");
        thread.setDaemon(true);
        thread.start();
        return sender;
    }

    private void run(
            String bootstrap,
            RecordFormat format,
            String topic,
            int count,
            int perSecond,
            String idFormat,
            long seed,
            int poisonEvery,
            byte poison) {
        Random random = new Random(seed);
        Map<String, ImageInput> images = new LinkedHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.LINGER_MS_CONFIG,
                        5,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                        120_000,
                        ProducerConfig.MAX_BLOCK_MS_CONFIG,
                        120_000),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                long due = start + TimeUnit.SECONDS.toNanos(i) / perSecond;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // the sending rate, not a synchronisation
                }
                byte[] pixels = new byte[784];
                random.nextBytes(pixels);
                if (poisonEvery > 0 && i % poisonEvery == poisonEvery / 2) {
                    java.util.Arrays.fill(pixels, poison);
                }
                ImageInput image = new ImageInput(
                        String.format(idFormat, i),
                        "RAW_U8",
                        28,
                        28,
                        1,
                        pixels,
                        random.nextInt(10),
                        System.currentTimeMillis());
                images.put(image.imageId(), image);
                sends.add(KafkaTestClients.send(
                        producer,
                        topic,
                        image.imageId().getBytes(StandardCharsets.UTF_8),
                        format.writeImage(topic, image),
                        image.eventTime()));
                sent.incrementAndGet();
            }
            producer.flush();
            for (Future<RecordMetadata> send : sends) {
                send.get(150, TimeUnit.SECONDS);
            }
            done.complete(images);
        } catch (Throwable e) {
            done.completeExceptionally(e);
        }
    }

    /** Images handed to the producer so far. */
    public int sent() {
        return sent.get();
    }

    /** Every image sent, once the broker has acknowledged them all; fails if a send failed. */
    public Map<String, ImageInput> await(long timeout, TimeUnit unit) throws Exception {
        return done.get(timeout, unit);
    }
}
