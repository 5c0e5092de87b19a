package io.otnn.streams.startup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the local state Kafka Streams starts from was built from the cluster it is about to join.
 *
 * <p>Kafka Streams keeps its local state (here the metric windows' RocksDB store, with the changelog offsets it has
 * checkpointed) under {@code state.dir/application.id} and trusts it on the next start. That state mirrors one
 * cluster's changelog. Met by another cluster (a new local stack, a recreated cluster, a changed
 * {@code bootstrap.servers}) it is at best thrown away after a failed restore, as a corrupted task; at worst, when
 * the other cluster's changelog is longer than the checkpoint, it is topped up with that cluster's records and the
 * windows mix two histories. So the cluster's id is written beside the state ({@code <application.id>.cluster-id}
 * in {@code state.dir}), and state that carries another id, or none, is deleted ({@code KafkaStreams#cleanUp}) before
 * Kafka Streams starts: it is rebuilt from this cluster's changelog.
 */
public final class LocalStateCheck {

    private static final Logger LOG = LoggerFactory.getLogger(LocalStateCheck.class);
    static final String MARKER_SUFFIX = ".cluster-id";

    /** What the check found. */
    public enum Outcome {
        /** No local state yet: the marker is written for the state to come. */
        NO_STATE,
        /** The state was built from this cluster: kept. */
        SAME_CLUSTER,
        /** The state was built from another cluster: deleted. */
        OTHER_CLUSTER,
        /** The state names no cluster (written before this check existed, or by another program): deleted. */
        UNKNOWN_CLUSTER,
        /** The broker names no cluster: nothing to compare, the state is left as it is. */
        UNNAMED_CLUSTER
    }

    private LocalStateCheck() {}

    /**
     * Compares the cluster recorded beside {@code stateDir/applicationId} with {@code clusterId}, runs {@code cleanUp}
     * (which must delete the application's local state, as {@code KafkaStreams#cleanUp} does before start) when they
     * differ, and records {@code clusterId}.
     */
    public static Outcome ensureStateOf(String clusterId, Path stateDir, String applicationId, Runnable cleanUp) {
        if (clusterId == null) {
            return Outcome.UNNAMED_CLUSTER;
        }
        Path applicationDir = stateDir.resolve(applicationId);
        Path marker = stateDir.resolve(applicationId + MARKER_SUFFIX);
        Optional<String> recorded = read(marker);
        Outcome outcome;
        if (!hasTaskState(applicationDir)) {
            outcome = Outcome.NO_STATE;
        } else if (recorded.isPresent() && recorded.get().equals(clusterId)) {
            outcome = Outcome.SAME_CLUSTER;
        } else {
            outcome = recorded.isPresent() ? Outcome.OTHER_CLUSTER : Outcome.UNKNOWN_CLUSTER;
            LOG.warn(
                    "The local state in {} was built from {}, not from this Kafka cluster ({}): deleting it, it will"
                            + " be rebuilt from this cluster's changelog",
                    applicationDir,
                    recorded.map(id -> "the Kafka cluster " + id).orElse("an unrecorded Kafka cluster"),
                    clusterId);
            cleanUp.run();
        }
        write(marker, clusterId);
        return outcome;
    }

    private static boolean hasTaskState(Path applicationDir) {
        if (!Files.isDirectory(applicationDir)) {
            return false;
        }
        try (Stream<Path> children = Files.list(applicationDir)) {
            return children.anyMatch(Files::isDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the local state in " + applicationDir, e);
        }
    }

    private static Optional<String> read(Path marker) {
        if (!Files.isRegularFile(marker)) {
            return Optional.empty();
        }
        try {
            String id = Files.readString(marker, StandardCharsets.UTF_8).strip();
            return id.isEmpty() ? Optional.empty() : Optional.of(id);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + marker, e);
        }
    }

    private static void write(Path marker, String clusterId) {
        try {
            Files.createDirectories(marker.getParent());
            Path partial = marker.resolveSibling(marker.getFileName() + ".partial");
            Files.writeString(partial, clusterId + "\n", StandardCharsets.UTF_8);
            Files.move(
                    partial,
                    marker,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the Kafka cluster of the local state in " + marker, e);
        }
    }
}
