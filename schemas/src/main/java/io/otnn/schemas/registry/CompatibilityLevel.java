package io.otnn.schemas.registry;

/**
 * Compatibility levels of a subject, as Confluent Schema Registry names them. BACKWARD: consumers using the
 * new schema can read data written with the previous one (the project's default). FORWARD: consumers on the
 * previous schema can read data written with the new one. FULL: both. {@code _TRANSITIVE}: against every
 * earlier version, not only the latest. NONE: no check.
 */
public enum CompatibilityLevel {
    NONE,
    BACKWARD,
    BACKWARD_TRANSITIVE,
    FORWARD,
    FORWARD_TRANSITIVE,
    FULL,
    FULL_TRANSITIVE;

    /** Parses a level name case-insensitively. */
    public static CompatibilityLevel parse(String name) {
        for (CompatibilityLevel level : values()) {
            if (level.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return level;
            }
        }
        throw new IllegalArgumentException(
                "unknown compatibility level '" + name + "', valid: " + java.util.Arrays.toString(values()));
    }
}
