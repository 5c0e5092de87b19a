package io.otnn.schemas.registry;

import java.util.Objects;
import org.apache.avro.Schema;

/**
 * One registered version of a subject: its subject, version number, global id and schema.
 *
 * @param subject the subject
 * @param version version number within the subject, from 1
 * @param id      the global schema id (what the wire format carries)
 * @param schema  the Avro schema
 */
public record SchemaMetadata(String subject, int version, int id, Schema schema) {

    public SchemaMetadata {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
    }
}
