package io.otnn.schemas.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.schemas.registry.SchemaRegistryException;
import io.otnn.schemas.registry.SchemaRegistryUnavailableException;
import io.otnn.schemas.registry.SubjectNotFoundException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class CredentialFailuresTest {

    @Test
    void shouldNameKafkaAndTheSettingsWhenASaslRefusalIsDeepInTheCauseChain() {
        Throwable wrapped = new KafkaException(
                "stream thread failed",
                new IllegalStateException(
                        "task",
                        new SaslAuthenticationException("Authentication failed during authentication due to invalid "
                                + "credentials with SASL mechanism SCRAM-SHA-512")));
        assertThat(CredentialFailures.describe(wrapped))
                .contains("Kafka refused the credentials: Authentication "
                        + "failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (check "
                        + "security.protocol, sasl.mechanism, sasl.jaas.config and the ssl.truststore.* settings)");
        assertThat(CredentialFailures.describe(new SslAuthenticationException("SSL handshake failed")))
                .hasValueSatisfying(line -> assertThat(line).startsWith("Kafka refused the credentials: SSL"));
    }

    @Test
    void shouldNameTheRegistryWhenItAnswers401Or403() {
        Throwable unauthorized = new SerializationException(
                "topic t: cannot fetch schema id 1",
                new SchemaRegistryException(
                        "Unauthorized (GET https://r/schemas/ids/1, HTTP 401, error code 40101)", 401, 40101));
        assertThat(CredentialFailures.describe(unauthorized))
                .contains("the schema registry refused the "
                        + "credentials: Unauthorized (GET https://r/schemas/ids/1, HTTP 401, error code 40101) (check "
                        + "basic.auth.user.info)");
        assertThat(CredentialFailures.describe(new SchemaRegistryException("Forbidden", 403, 40301)))
                .isPresent();
        // the registry client's own message already names the settings: it is not wrapped a second time
        SchemaRegistryException fromClient = new SchemaRegistryException(
                "the schema registry refused the credentials"
                        + " (basic.auth.user.info, basic.auth.credentials.source): Unauthorized (POST https://r/subjects/s,"
                        + " HTTP 401, error code 40101)",
                401,
                40101);
        assertThat(CredentialFailures.describe(new SerializationException("x", fromClient)))
                .hasValue(fromClient.getMessage());
    }

    @Test
    void shouldRecogniseNothingWhenTheFailureIsOneARetryCanMend() {
        assertThat(CredentialFailures.describe(new TimeoutException("no broker")))
                .isEmpty();
        assertThat(CredentialFailures.describe(
                        new SerializationException("x", new SubjectNotFoundException("no subject", 404, 40401))))
                .isEmpty();
        assertThat(CredentialFailures.describe(new SchemaRegistryUnavailableException("down", 500, 50001)))
                .isEmpty();
        assertThat(CredentialFailures.describe(new IllegalStateException("plain")))
                .isEmpty();
        assertThat(CredentialFailures.describe(null)).isEmpty();
    }
}
