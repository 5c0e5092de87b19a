package io.otnn.local.security;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How a secure local stack authenticates its clients: the broker's client listener requires SASL_SSL with SCRAM,
 * the registry requires HTTPS with HTTP basic authentication; each user has the same name and password on both.
 *
 * <pre>{@code
 * StackSecurity.saslSsl().build();                                   // user "otnn", random password
 * StackSecurity.saslSsl().mechanism("SCRAM-SHA-256").user("alice", password).build();
 * }</pre>
 */
public final class StackSecurity {

    /** The SCRAM mechanisms Kafka supports. */
    public static final Set<String> MECHANISMS = Set.of("SCRAM-SHA-512", "SCRAM-SHA-256");
    /** The user made when none is given. */
    public static final String DEFAULT_USER = "otnn";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String mechanism;
    private final Map<String, String> users;

    private StackSecurity(Builder builder) {
        this.mechanism = builder.mechanism;
        Map<String, String> chosen = new LinkedHashMap<>(builder.users);
        if (chosen.isEmpty()) {
            chosen.put(DEFAULT_USER, randomSecret());
        }
        this.users = Collections.unmodifiableMap(chosen);
    }

    public static Builder saslSsl() {
        return new Builder();
    }

    /** {@code SCRAM-SHA-512} or {@code SCRAM-SHA-256}. */
    public String mechanism() {
        return mechanism;
    }

    /** User names and their passwords, in the order given (the first one is the registry's own Kafka user). */
    public Map<String, String> users() {
        return users;
    }

    /** 24 random bytes, URL-safe Base64 (no quote or backslash, so safe inside a JAAS string). */
    public static String randomSecret() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    public String toString() {
        // never the passwords
        return "StackSecurity[SASL_SSL " + mechanism + ", users " + users.keySet() + "]";
    }

    /** Builder of {@link StackSecurity}. */
    public static final class Builder {
        private String mechanism = "SCRAM-SHA-512";
        private final Map<String, String> users = new LinkedHashMap<>();

        private Builder() {}

        public Builder mechanism(String mechanism) {
            if (!MECHANISMS.contains(mechanism)) {
                throw new IllegalArgumentException(
                        "SCRAM mechanism must be one of " + MECHANISMS + ", was " + mechanism);
            }
            this.mechanism = mechanism;
            return this;
        }

        /** A user of the broker (SCRAM) and of the registry (basic auth) with this password. */
        public Builder user(String name, String password) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(password, "password");
            if (name.isBlank() || !name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException(
                        "a user name is letters, digits, '.', '_' or '-', was '" + name + "'");
            }
            if (password.isEmpty() || password.contains("\"") || password.contains("\\")) {
                throw new IllegalArgumentException(
                        "the password of " + name + " must be non-empty, without '\"' or '\\'");
            }
            users.put(name, password);
            return this;
        }

        public StackSecurity build() {
            return new StackSecurity(this);
        }
    }
}
