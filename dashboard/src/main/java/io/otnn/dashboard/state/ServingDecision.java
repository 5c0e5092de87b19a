package io.otnn.dashboard.state;

import org.apache.avro.generic.GenericRecord;

/**
 * What one explainer instance did with one announced checkpoint (a {@code ModelServingStatus} record): it serves it,
 * or it refused it and serves {@code servingVersion} instead.
 *
 * @param slot the instance's model slot: {@code application/instance/role}
 */
public record ServingDecision(
        String slot,
        String application,
        String instance,
        String role,
        String modelName,
        int modelVersion,
        String state,
        String reason,
        Integer servingVersion,
        String uri,
        Long swapMs,
        long time) {

    public static ServingDecision of(GenericRecord r) {
        String application = Fields.string(r, "application");
        String instance = Fields.string(r, "instance");
        String role = Fields.string(r, "role");
        return new ServingDecision(
                application + "/" + instance + "/" + role,
                application,
                instance,
                role,
                Fields.string(r, "modelName"),
                (int) Fields.longValue(r, "modelVersion"),
                Fields.string(r, "state"),
                Fields.string(r, "reason"),
                Fields.optionalInt(r, "servingVersion"),
                Fields.string(r, "uri"),
                Fields.optionalLong(r, "swapMs"),
                Fields.longValue(r, "time"));
    }

    public boolean refused() {
        return "REFUSED".equals(state);
    }
}
