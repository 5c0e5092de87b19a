package io.otnn.dashboard.state;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** The dead letters of one kind: how many, and the latest few with their messages (newest first). */
final class DeadLetterTally {

    /** One dead letter as the table shows it. */
    public record Letter(
            long time, String message, String sourceTopic, int partition, long offset, String application) {}

    /** The page's row of one kind. */
    public record View(String kind, long count, Long lastTime, List<Letter> latest) {}

    private final String kind;
    private final int keep;
    private final ArrayDeque<Letter> latest = new ArrayDeque<>();
    private long count;

    DeadLetterTally(String kind, int keep) {
        this.kind = kind;
        this.keep = keep;
    }

    void add(Letter letter) {
        count++;
        latest.addFirst(letter);
        while (latest.size() > keep) latest.removeLast();
    }

    View view() {
        return new View(
                kind, count, latest.isEmpty() ? null : latest.peekFirst().time(), new ArrayList<>(latest));
    }
}
