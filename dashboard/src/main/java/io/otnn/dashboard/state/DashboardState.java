package io.otnn.dashboard.state;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;

/**
 * Everything the dashboard shows, bounded: the last {@link Limits#windowsPerVersion} windows of each model version,
 * the last {@link Limits#explanations} explanations, the dead letters by kind with the latest
 * {@link Limits#lettersPerKind} of each, every model checkpoint announced, and the latest records of the optional
 * topics. Thread-safe: the feed writes, the HTTP threads read {@link #snapshot}s; {@link #version} counts changes and
 * {@link #awaitChange} lets a server-sent-events stream sleep until the next one.
 */
public final class DashboardState {

    /** How much is kept. */
    public record Limits(int windowsPerVersion, int explanations, int lettersPerKind, int otherRecords) {
        public static Limits defaults() {
            return new Limits(120, 48, 5, 20);
        }
    }

    /** The latest records of a topic the dashboard reads without knowing its schema. */
    public record OtherTopic(String topic, long count, List<String> latest) {}

    /** What the page draws, at one moment. */
    public record Snapshot(
            long version,
            long time,
            List<ModelVersionView> models,
            List<ExplanationEntry.Summary> gallery,
            List<DeadLetterTally.View> deadLetters,
            long deadLettersTotal,
            List<ModelEntry> checkpoints,
            List<OtherTopic> otherTopics,
            Map<String, Long> unreadable,
            String feedStatus) {}

    private final Limits limits;
    private final Map<String, ModelVersionState> versions = new LinkedHashMap<>();
    private final ArrayDeque<ExplanationEntry> explanations = new ArrayDeque<>();
    private final TreeMap<String, DeadLetterTally> deadLetters = new TreeMap<>();
    private final Map<String, ModelEntry> checkpoints = new LinkedHashMap<>();
    private final Map<String, ArrayDeque<String>> other = new LinkedHashMap<>();
    private final Map<String, Long> otherCounts = new LinkedHashMap<>();
    private final Map<String, Long> unreadable = new TreeMap<>();
    private long deadLettersTotal;
    private long nextSeq = 1;
    private long version;
    private String feedStatus = "starting";

    public DashboardState(Limits limits) {
        this.limits = limits;
    }

    public synchronized void onMetrics(GenericRecord metrics) {
        WindowFigures w = WindowFigures.of(metrics);
        version(w.modelName(), w.modelVersion()).add(w);
        changed();
    }

    public synchronized void onExplanation(Explanation e, long receivedAt) {
        version(e.getModelName(), e.getModelVersion()).seen(e.getEventTime().toEpochMilli());
        explanations.addFirst(new ExplanationEntry(nextSeq++, receivedAt, e));
        while (explanations.size() > limits.explanations()) explanations.removeLast();
        changed();
    }

    public synchronized void onDeadLetter(DeadLetter d) {
        String kind = String.valueOf(d.getErrorKind());
        deadLetters
                .computeIfAbsent(kind, k -> new DeadLetterTally(k, limits.lettersPerKind()))
                .add(new DeadLetterTally.Letter(
                        d.getTime().toEpochMilli(),
                        d.getMessage(),
                        d.getSourceTopic(),
                        d.getPartition(),
                        d.getOffset(),
                        d.getApplication()));
        deadLettersTotal++;
        changed();
    }

    public synchronized void onCheckpoint(ModelEntry checkpoint) {
        checkpoints.put(ModelVersionState.key(checkpoint.modelName(), checkpoint.version()), checkpoint);
        changed();
    }

    /** A record of a topic read as a generic record (its JSON form is shown as it is). */
    public synchronized void onOther(String topic, GenericRecord record) {
        ArrayDeque<String> latest = other.computeIfAbsent(topic, t -> new ArrayDeque<>());
        latest.addFirst(String.valueOf(record));
        while (latest.size() > limits.otherRecords()) latest.removeLast();
        otherCounts.merge(topic, 1L, Long::sum);
        changed();
    }

    /** A record that could not be deserialized: counted by topic, never fatal. */
    public synchronized void onUnreadable(String topic) {
        unreadable.merge(topic, 1L, Long::sum);
        changed();
    }

    public synchronized void feedStatus(String status) {
        if (!status.equals(feedStatus)) {
            feedStatus = status;
            changed();
        }
    }

    /** The topic an optional topic reader waits for: registered so the page says it has no record yet. */
    public synchronized void expectOther(String topic) {
        other.computeIfAbsent(topic, t -> new ArrayDeque<>());
        otherCounts.putIfAbsent(topic, 0L);
    }

    public synchronized long version() {
        return version;
    }

    /** Waits until {@link #version} is past {@code seen} or {@code timeoutMs} passed; returns the version. */
    public synchronized long awaitChange(long seen, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (version <= seen) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) break;
            wait(left);
        }
        return version;
    }

    public synchronized Optional<ExplanationEntry> explanation(long seq) {
        return explanations.stream().filter(e -> e.seq() == seq).findFirst();
    }

    /** The checkpoint announced for this explanation's model version, if any. */
    public synchronized Optional<ModelEntry> checkpointOf(Explanation e) {
        return Optional.ofNullable(checkpoints.get(ModelVersionState.key(e.getModelName(), e.getModelVersion())));
    }

    public synchronized Snapshot snapshot() {
        for (String key : checkpoints.keySet()) {
            ModelEntry c = checkpoints.get(key);
            version(c.modelName(), c.version());
        }
        List<ModelVersionView> models = new ArrayList<>();
        for (ModelVersionState v : versions.values()) models.add(v.view(checkpoints.get(v.key())));
        models.sort(Comparator.comparing(ModelVersionView::modelName)
                .thenComparing(
                        Comparator.comparingInt(ModelVersionView::modelVersion).reversed()));
        List<ExplanationEntry.Summary> gallery = new ArrayList<>();
        for (ExplanationEntry e : explanations) {
            ModelEntry c = checkpoints.get(
                    ModelVersionState.key(e.record().getModelName(), e.record().getModelVersion()));
            gallery.add(e.summary(c == null ? null : c.classNames()));
        }
        List<DeadLetterTally.View> letters = new ArrayList<>();
        deadLetters.values().forEach(t -> letters.add(t.view()));
        List<OtherTopic> others = new ArrayList<>();
        other.forEach((topic, latest) ->
                others.add(new OtherTopic(topic, otherCounts.getOrDefault(topic, 0L), new ArrayList<>(latest))));
        return new Snapshot(
                version,
                System.currentTimeMillis(),
                models,
                gallery,
                letters,
                deadLettersTotal,
                new ArrayList<>(checkpoints.values()),
                others,
                new TreeMap<>(unreadable),
                feedStatus);
    }

    private ModelVersionState version(String name, int version) {
        return versions.computeIfAbsent(
                ModelVersionState.key(name, version),
                k -> new ModelVersionState(name, version, limits.windowsPerVersion()));
    }

    private void changed() {
        version++;
        notifyAll();
    }
}
