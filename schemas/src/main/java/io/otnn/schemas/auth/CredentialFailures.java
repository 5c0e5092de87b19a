package io.otnn.schemas.auth;

import io.otnn.schemas.registry.SchemaRegistryException;
import java.util.Optional;
import org.apache.kafka.common.errors.AuthenticationException;

/**
 * Recognises a failure that no retry can fix because a server refused this client's credentials: Kafka's
 * {@link AuthenticationException} (a wrong SASL password, a TLS handshake refused) anywhere in the cause chain, or a
 * schema registry answer 401/403. Ingest and the explainer stop on one with a single line instead of retrying.
 */
public final class CredentialFailures {

    private CredentialFailures() {}

    /** A one-line description naming the server, the cause and the setting to check; empty for other failures. */
    public static Optional<String> describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthenticationException) {
                return Optional.of("Kafka refused the credentials: " + t.getMessage()
                        + " (check security.protocol, sasl.mechanism, sasl.jaas.config and the ssl.truststore.*"
                        + " settings)");
            }
            if (t instanceof SchemaRegistryException registry
                    && (registry.status() == 401 || registry.status() == 403)) {
                // the client's message already says what was refused and which settings to check
                String message = t.getMessage();
                return Optional.of(
                        message != null && message.startsWith("the schema registry")
                                ? message
                                : "the schema registry refused the credentials: " + message
                                        + " (check basic.auth.user.info)");
            }
        }
        return Optional.empty();
    }
}
