package io.otnn.streams;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the application's topics when they are missing (partitions and replication from the configuration). */
public final class TopicCreator {

    private static final Logger LOG = LoggerFactory.getLogger(TopicCreator.class);

    private TopicCreator() {}

    public static List<NewTopic> plan(ExplainerConfig config, Topics topics) {
        int images = config.getInt(ExplainerConfig.TOPIC_IMAGES_PARTITIONS_CONFIG);
        int others = config.getInt(ExplainerConfig.TOPIC_PARTITIONS_CONFIG);
        Optional<Short> replication = Optional.of(config.getShort(ExplainerConfig.TOPIC_REPLICATION_FACTOR_CONFIG))
                .filter(r -> r > 0);
        Optional<Integer> imagePartitions = Optional.of(images);
        Optional<Integer> otherPartitions = Optional.of(others);
        List<NewTopic> plan = new ArrayList<>();
        plan.add(new NewTopic(topics.images().name(), imagePartitions, replication));
        plan.add(new NewTopic(topics.explanations().name(), otherPartitions, replication));
        plan.add(new NewTopic(topics.deadLetters().name(), otherPartitions, replication));
        plan.add(new NewTopic(topics.metrics().name(), otherPartitions, replication));
        // one record per model name, the latest wins: compacted, one partition keeps them in order
        plan.add(new NewTopic(topics.models().name(), Optional.of(1), replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        // what each instance did with each announcement (ModelServingStatus), keyed by application/instance
        plan.add(new NewTopic(
                config.getString(ExplainerConfig.TOPIC_MODELS_STATUS_CONFIG), otherPartitions, replication));
        return plan;
    }

    /** Creates the missing topics; existing ones are left as they are. */
    public static void createMissing(Map<String, Object> adminProperties, List<NewTopic> plan) {
        try (Admin admin = Admin.create(adminProperties)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing =
                    plan.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            admin.createTopics(missing).values().forEach((name, future) -> {
                try {
                    future.get();
                    LOG.info("Created topic {}", name);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause(), e);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while creating topic " + name, e);
                }
            });
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list the topics: " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing the topics", e);
        }
    }
}
