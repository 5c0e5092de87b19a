package io.otnn.schemas.serde;

import org.apache.avro.Schema;

/** Subject = the record's full name (e.g. {@code io.otnn.avro.Explanation}): several record types per topic. */
public final class RecordNameStrategy implements SubjectNameStrategy {

    @Override
    public String subjectName(String topic, boolean isKey, Schema schema) {
        return schema.getFullName();
    }
}
