package io.otnn.streams.topology;

import io.otnn.streams.records.DeadLetterRecord;
import io.otnn.streams.records.ExplanationRecord;

/** What the explain processor emits for each input record: exactly one of an explanation or a dead letter. */
public sealed interface Outcome {

    record Explained(ExplanationRecord explanation) implements Outcome {
    }

    record Rejected(DeadLetterRecord deadLetter) implements Outcome {
    }
}
