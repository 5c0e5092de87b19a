package io.otnn.streams.batching;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.apache.kafka.streams.errors.TaskMigratedException;

/** Tells a failure to forward one record that belongs to that record from one that belongs to the task. */
final class ForwardingFailures {

    private ForwardingFailures() {}

    /**
     * True when the record itself was refused (its serializer, or a downstream step, threw for it): another outcome
     * may take its place. False for the producer's, the broker's or the task's failures (a fenced producer, an
     * earlier send that failed, a migrated task): they are not this record's, and must fail the task so that the
     * transaction aborts.
     */
    static boolean isTheRecordsOwn(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SerializationException) {
                return true;
            }
            if (t instanceof TaskMigratedException || t instanceof TaskCorruptedException) {
                return false;
            }
            if (t instanceof KafkaException && !(t instanceof StreamsException)) {
                return false;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return true;
    }
}
