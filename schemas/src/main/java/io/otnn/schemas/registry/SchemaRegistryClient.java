package io.otnn.schemas.registry;

import java.util.List;
import org.apache.avro.Schema;

/**
 * A client of a Confluent-compatible schema registry (Confluent Schema Registry, Apicurio's
 * {@code /apis/ccompat/v7}, Karapace, or the project's local registry). Avro schemas only.
 *
 * <p>Failures are unchecked {@link SchemaRegistryException}s: {@link SubjectNotFoundException},
 * {@link VersionNotFoundException}, {@link SchemaNotFoundException}, {@link IncompatibleSchemaException},
 * {@link InvalidSchemaException}, and {@link SchemaRegistryUnavailableException} when the registry cannot be
 * reached after the bounded retries.
 */
public interface SchemaRegistryClient extends AutoCloseable {

    /** Registers {@code schema} under {@code subject} (or finds it if already there) and returns its global id. */
    int register(String subject, Schema schema);

    /** Finds the version of {@code subject} that holds exactly {@code schema}; never registers. */
    SchemaMetadata lookup(String subject, Schema schema);

    /** The id of {@code schema} under {@code subject}; never registers. */
    default int getId(String subject, Schema schema) {
        return lookup(subject, schema).id();
    }

    /** The schema with global id {@code id}. */
    Schema getSchemaById(int id);

    /** One version of a subject. */
    SchemaMetadata getSchemaMetadata(String subject, int version);

    /** The latest version of a subject. */
    SchemaMetadata getLatestSchemaMetadata(String subject);

    /** Whether {@code schema} could be registered under {@code subject} given its compatibility level. */
    boolean testCompatibility(String subject, Schema schema);

    /** Every subject with at least one live version. */
    List<String> getAllSubjects();

    /** The live version numbers of a subject. */
    List<Integer> getAllVersions(String subject);

    /** The global compatibility level. */
    CompatibilityLevel getGlobalCompatibility();

    /** Sets the global compatibility level. */
    CompatibilityLevel updateGlobalCompatibility(CompatibilityLevel level);

    /** The compatibility level that applies to {@code subject} (its own, or the global one). */
    CompatibilityLevel getCompatibility(String subject);

    /** Sets the compatibility level of one subject. */
    CompatibilityLevel updateCompatibility(String subject, CompatibilityLevel level);

    /** Soft-deletes every version of a subject and returns their numbers. */
    List<Integer> deleteSubject(String subject);

    /** Releases the client's resources. */
    @Override
    void close();
}
