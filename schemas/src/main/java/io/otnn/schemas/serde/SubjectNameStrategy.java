package io.otnn.schemas.serde;

import org.apache.avro.Schema;

/** Chooses the registry subject under which the schema of a topic's keys or values is registered. */
@FunctionalInterface
public interface SubjectNameStrategy {

    /**
     * @param topic  the topic the record is written to or read from
     * @param isKey  whether the record is a key
     * @param schema the record's schema
     * @return the subject
     */
    String subjectName(String topic, boolean isKey, Schema schema);
}
