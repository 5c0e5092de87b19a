package io.otnn.trainer.announce;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.ModelCheckpoint;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.local.LocalStack;
import io.otnn.schemas.serde.AvroDeserializer;
import io.otnn.schemas.serde.AvroSerdeConfig;
import io.otnn.trainer.Fixtures;
import io.otnn.trainer.Trainer;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.TrainingResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real checkpoint announced through the in-process broker and registry, read back with the Avro deserialiser. */
class CheckpointAnnouncerTest {

    @TempDir
    Path tmp;

    @Test
    void shouldPublishTheCheckpointOnACompactedTopicWhenTrainingEnds() throws Exception {
        TrainingResult r = new Trainer()
                .train(TrainingConfig.builder()
                        .setDataset("fashion-mnist")
                        .optDataDir(Fixtures.fashionMnistMini())
                        .optLimit(256)
                        .optTestLimit(100)
                        .optWidthMultiplier(0.125)
                        .setEpochs(1)
                        .setOut(tmp.resolve("ckpt"))
                        .build());
        try (LocalStack stack = LocalStack.start()) {
            CheckpointAnnouncer announcer =
                    new CheckpointAnnouncer(stack.bootstrapServers(), stack.schemaRegistryUrl(), null);
            announcer.announce(CheckpointAnnouncer.event(r.checkpoint(), r.metadata(), r.manifestDigest()));

            try (Admin admin =
                    Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
                ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, CheckpointAnnouncer.DEFAULT_TOPIC);
                String policy = admin.describeConfigs(List.of(res))
                        .all()
                        .get()
                        .get(res)
                        .get("cleanup.policy")
                        .value();
                assertThat(policy).isEqualTo("compact");
            }
            Map<String, Object> config = new HashMap<>();
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            config.put(ConsumerConfig.GROUP_ID_CONFIG, "announcer-test");
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
            config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
            config.put(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true);
            List<ConsumerRecord<String, ModelCheckpoint>> got = new ArrayList<>();
            try (KafkaConsumer<String, ModelCheckpoint> consumer = new KafkaConsumer<>(config)) {
                consumer.subscribe(List.of(CheckpointAnnouncer.DEFAULT_TOPIC));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (got.isEmpty() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(got::add);
                }
            }
            assertThat(got).hasSize(1);
            ModelCheckpoint e = got.get(0).value();
            ModelMetadata m = r.metadata();
            assertThat(got.get(0).key()).isEqualTo(m.name()).isEqualTo(e.getModelName());
            assertThat(e.getVersion()).isEqualTo(1);
            assertThat(e.getManifestDigest()).isEqualTo(r.manifestDigest());
            assertThat(Path.of(java.net.URI.create(e.getUri()))).isEqualTo(r.checkpoint());
            assertThat(e.getTestAccuracy()).isEqualTo(r.evaluation().testAccuracy());
            assertThat(e.getCertifiedAccuracy()).hasSize(3);
            assertThat(e.getInputShape()).containsExactly(28, 28, 1);
            assertThat(e.getCertificateFactor()).isEqualTo(Math.sqrt(2));
        }
    }
}
