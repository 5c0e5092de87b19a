package io.otnn.dashboard.state;

import io.otnn.avro.DeadLetter;
import io.otnn.avro.Explanation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
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
 * {@link Limits#lettersPerKind} of each, every model checkpoint announced, the latest decision of every explainer's
 * model slot with the latest {@link Limits#refusals} refused checkpoints, the latest status of the last
 * {@link Limits#trainingRequests} training requests, and the last {@link Limits#windowsPerVersion} comparison windows
 * of each (serving, shadow) pair. Thread-safe: the feed writes, the HTTP threads read {@link #snapshot}s; {@link #version} counts changes and
 * {@link #awaitChange} lets a server-sent-events stream sleep until the next one.
 */
public final class DashboardState {

    /** How much is kept. */
    public record Limits(
            int windowsPerVersion, int explanations, int lettersPerKind, int refusals, int trainingRequests) {
        public static Limits defaults() {
            return new Limits(120, 48, 5, 20, 20);
        }
    }

    /** The comparison windows of one (serving, shadow) pair, newest first. */
    public record ComparisonView(String pair, List<ComparisonFigures> windows) {}

    /** What the page draws, at one moment. */
    public record Snapshot(
            long version,
            long time,
            List<ModelVersionView> models,
            List<ExplanationEntry.Summary> gallery,
            List<DeadLetterTally.View> deadLetters,
            long deadLettersTotal,
            List<ModelEntry> checkpoints,
            List<ServingDecision> serving,
            List<ServingDecision> refusals,
            List<TrainingProgress> training,
            List<ComparisonView> comparisons,
            Map<String, Long> unreadable,
            String feedStatus) {}

    private final Limits limits;
    private final Map<String, ModelVersionState> versions = new LinkedHashMap<>();
    private final ArrayDeque<ExplanationEntry> explanations = new ArrayDeque<>();
    private final TreeMap<String, DeadLetterTally> deadLetters = new TreeMap<>();
    private final Map<String, ModelEntry> checkpoints = new LinkedHashMap<>();
    private final Map<String, ServingDecision> serving = new TreeMap<>();
    private final ArrayDeque<ServingDecision> refusals = new ArrayDeque<>();
    /** model@version → the first time an explainer said it serves it */
    private final Map<String, Long> servingSince = new LinkedHashMap<>();

    private final Map<String, TrainingProgress> training = new LinkedHashMap<>();
    private final Map<String, TreeMap<Long, ComparisonFigures>> comparisons = new TreeMap<>();
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

    /** A {@code ModelServingStatus}: an explainer's model slot now serves, or refused, an announced checkpoint. */
    public synchronized void onServingStatus(GenericRecord record) {
        ServingDecision d = ServingDecision.of(record);
        ServingDecision before = serving.get(d.slot());
        if (before == null || before.time() <= d.time()) serving.put(d.slot(), d);
        if (d.refused()) {
            refusals.addFirst(d);
            while (refusals.size() > limits.refusals()) refusals.removeLast();
        } else if ("PRIMARY".equals(d.role())) {
            servingSince.merge(ModelVersionState.key(d.modelName(), d.modelVersion()), d.time(), Math::min);
        }
        changed();
    }

    /** A {@code TrainingStatus}: the latest of each request is kept, for the newest requests. */
    public synchronized void onTrainingStatus(GenericRecord record) {
        TrainingProgress p = TrainingProgress.of(record);
        TrainingProgress before = training.remove(p.requestId());
        // a request that has ended keeps its final status even when an older progress record arrives after it
        training.put(p.requestId(), before != null && before.ended() && !p.ended() ? before : p);
        while (training.size() > limits.trainingRequests()) {
            training.remove(training.keySet().iterator().next());
        }
        changed();
    }

    /** An {@code ExplanationComparison} window; a window written again replaces the first copy. */
    public synchronized void onComparison(GenericRecord record) {
        ComparisonFigures c = ComparisonFigures.of(record);
        TreeMap<Long, ComparisonFigures> windows = comparisons.computeIfAbsent(c.pair(), k -> new TreeMap<>());
        windows.put(c.windowStart(), c);
        while (windows.size() > limits.windowsPerVersion()) windows.pollFirstEntry();
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
        for (ModelVersionState v : versions.values()) {
            models.add(v.view(checkpoints.get(v.key()), servingSince.get(v.key())));
        }
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
        List<TrainingProgress> requests = new ArrayList<>(training.values());
        Collections.reverse(requests);
        List<ComparisonView> pairs = new ArrayList<>();
        comparisons.forEach((pair, windows) -> pairs.add(
                new ComparisonView(pair, new ArrayList<>(windows.descendingMap().values()))));
        return new Snapshot(
                version,
                System.currentTimeMillis(),
                models,
                gallery,
                letters,
                deadLettersTotal,
                new ArrayList<>(checkpoints.values()),
                new ArrayList<>(serving.values()),
                new ArrayList<>(refusals),
                requests,
                pairs,
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
