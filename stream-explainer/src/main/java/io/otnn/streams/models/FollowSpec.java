package io.otnn.streams.models;

import io.otnn.avro.ModelRole;
import io.otnn.checkpoint.ModelStoreHttp;

/**
 * What one model slot follows on the models topic: its role (the explanations' model, or the shadow compared with
 * it), the model name, and an optional pinned version (null: the latest announcement).
 */
public record FollowSpec(ModelRole role, String name, Integer pinnedVersion) {

    public FollowSpec {
        ModelStoreHttp.requireModelName(name);
        if (pinnedVersion != null && pinnedVersion < 1) {
            throw new IllegalArgumentException("a pinned model version is at least 1, not " + pinnedVersion);
        }
    }

    public static FollowSpec primary(String name, Integer pinnedVersion) {
        return new FollowSpec(ModelRole.PRIMARY, name, pinnedVersion);
    }

    public static FollowSpec shadow(String name, Integer pinnedVersion) {
        return new FollowSpec(ModelRole.SHADOW, name, pinnedVersion);
    }

    @Override
    public String toString() {
        return role.name().toLowerCase(java.util.Locale.ROOT) + " " + name
                + (pinnedVersion == null ? "" : " pinned to v" + pinnedVersion);
    }
}
