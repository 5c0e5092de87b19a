package io.otnn.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.ImageEvent;
import io.otnn.ingest.source.ImageSource;
import io.otnn.ingest.testing.IdxFiles;
import io.otnn.ingest.testing.ImageEvents;
import io.otnn.local.LocalStack;
import io.otnn.schemas.registry.RestSchemaRegistryClient;
import io.otnn.schemas.registry.SchemaRegistryClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePublisherTest {

    private static LocalStack stack;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        stack = LocalStack.start();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void shouldPublishKeyedImageEventsWithLabelsAtMostLimitWhenGivenAnIdxSource() throws Exception {
        Path data = IdxFiles.writeIdx(dir.resolve("fashion"), "t10k", 50, 28, 28, true);
        String topic = "ingest-" + UUID.randomUUID();
        PublishResult result;
        try (ImagePublisher publisher = ImagePublisher.builder()
                .setBootstrapServers(stack.bootstrapServers())
                .setSchemaRegistryUrl(stack.schemaRegistryUrl())
                .optTopic(topic)
                .optLimit(30)
                .optRate(300)
                .optWithLabels(true)
                .build()) {
            result = publisher.publish(List.of(ImageSource.parse("idx:" + data)), ImagePublisher.Progress.NONE);
        }
        assertThat(result.sent()).isEqualTo(30);
        assertThat(result.skipped()).isZero();
        assertThat(result.seconds()).as("30 images at 300/s").isGreaterThanOrEqualTo(0.09);

        List<ConsumerRecord<String, ImageEvent>> read = read(topic, 30);
        assertThat(read).hasSize(30);
        ConsumerRecord<String, ImageEvent> first = read.stream()
                .filter(r -> r.key().equals("fashion/t10k/7"))
                .findFirst()
                .orElseThrow();
        assertThat(first.value().getImageId()).isEqualTo("fashion/t10k/7");
        assertThat(first.value().getLabel()).isEqualTo(7);
        assertThat(first.value().getWidth()).isEqualTo(28);
        assertThat(first.value().getPixels().remaining()).isEqualTo(784);
    }

    private static List<ConsumerRecord<String, ImageEvent>> read(String topic, int count) {
        try (SchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(stack.schemaRegistryUrl())) {
            return ImageEvents.read(
                    Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()), registry, topic, count);
        }
    }
}
