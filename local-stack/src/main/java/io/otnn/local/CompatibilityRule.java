package io.otnn.local;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * What each compatibility level of Confluent Schema Registry demands of a new schema, as the local registry enforces
 * it with Avro's {@link SchemaCompatibility}. The project's name for a level is the client's
 * {@code io.otnn.schemas.registry.CompatibilityLevel}; this server-side twin stays inside local-stack, which depends on
 * no other module (schemas' tests run against this registry, and a stand-in for Confluent's server shares no type with
 * the client it is tested against; docs/architecture.md).
 *
 * <p>BACKWARD: the new schema, as reader, reads data written with the latest schema. FORWARD: the latest
 * schema reads data written with the new one. FULL: both. The {@code _TRANSITIVE} forms check every
 * earlier version instead of only the latest. NONE: no check.
 */
enum CompatibilityRule {
    NONE,
    BACKWARD,
    BACKWARD_TRANSITIVE,
    FORWARD,
    FORWARD_TRANSITIVE,
    FULL,
    FULL_TRANSITIVE;

    /** Parses a level name, case-insensitively; throws {@link IllegalArgumentException} naming the valid ones. */
    static CompatibilityRule parse(String name) {
        if (name != null) {
            for (CompatibilityRule level : values()) {
                if (level.name().equalsIgnoreCase(name.trim())) {
                    return level;
                }
            }
        }
        throw new IllegalArgumentException(
                "unknown compatibility level '" + name + "', valid: " + java.util.Arrays.toString(values()));
    }

    private boolean transitive() {
        return this == BACKWARD_TRANSITIVE || this == FORWARD_TRANSITIVE || this == FULL_TRANSITIVE;
    }

    private boolean backward() {
        return this == BACKWARD || this == BACKWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    private boolean forward() {
        return this == FORWARD || this == FORWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    /**
     * The reasons why {@code candidate} is not compatible with {@code existing} (oldest first);
     * empty when it is compatible.
     */
    List<String> incompatibilities(Schema candidate, List<Schema> existing) {
        List<String> problems = new ArrayList<>();
        if (this == NONE || existing.isEmpty()) {
            return problems;
        }
        List<Schema> against = transitive() ? existing : List.of(existing.get(existing.size() - 1));
        for (Schema old : against) {
            if (backward()) {
                describe(
                        SchemaCompatibility.checkReaderWriterCompatibility(candidate, old),
                        "new schema cannot read data written with an earlier schema",
                        problems);
            }
            if (forward()) {
                describe(
                        SchemaCompatibility.checkReaderWriterCompatibility(old, candidate),
                        "an earlier schema cannot read data written with the new schema",
                        problems);
            }
        }
        return problems;
    }

    private static void describe(SchemaPairCompatibility result, String what, List<String> problems) {
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        result.getResult()
                .getIncompatibilities()
                .forEach(i -> problems.add(
                        what + ": " + i.getType() + " at " + i.getLocation() + " (" + i.getMessage() + ")"));
        if (result.getResult().getIncompatibilities().isEmpty()) {
            problems.add(what + ": " + result.getDescription());
        }
    }
}
