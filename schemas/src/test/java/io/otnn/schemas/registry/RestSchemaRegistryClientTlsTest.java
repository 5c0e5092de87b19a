package io.otnn.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST client over HTTPS and mutual TLS against a real HTTPS server, with a server and a client key pair made
 * by the JDK's keytool for this test (self-signed, SAN 127.0.0.1), each side trusting the other's certificate.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RestSchemaRegistryClientTlsTest {

    private static final String PASSWORD = "test-store-pass";

    @TempDir
    static Path dir;

    private static Path serverKeys;
    private static Path serverTrust;
    private static Path clientKeys;
    private static Path clientTrust;

    @BeforeAll
    static void makeCertificates() throws Exception {
        serverKeys = dir.resolve("server.p12");
        clientKeys = dir.resolve("client.p12");
        serverTrust = dir.resolve("server-trust.p12");
        clientTrust = dir.resolve("client-trust.p12");
        keyPair(serverKeys, "server", "CN=127.0.0.1", "SAN=ip:127.0.0.1,dns:localhost");
        keyPair(clientKeys, "client", "CN=otnn-test-client", null);
        trust(serverKeys, "server", clientTrust);
        trust(clientKeys, "client", serverTrust);
    }

    @Test
    void shouldTalkHttpsWhenTrustStoreHoldsServerCertificate() throws Exception {
        try (ScriptedRegistry server = ScriptedRegistry.https(
                serverContext(false), false, (request, n, s) -> ScriptedRegistry.schema("\"string\""))) {
            RestSchemaRegistryClient client = RestSchemaRegistryClient.fromConfig(tls(server.url(), false));
            assertThat(client.getSchemaById(1)).isEqualTo(Schema.create(Schema.Type.STRING));
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void shouldRefuseServerWhenItsCertificateIsNotTrusted() throws Exception {
        try (ScriptedRegistry server = ScriptedRegistry.https(
                serverContext(false), false, (request, n, s) -> ScriptedRegistry.schema("\"string\""))) {
            // the JDK's default trust store does not know the test's self-signed certificate
            RestSchemaRegistryClient client = RestSchemaRegistryClient.fromConfig(Map.of(
                    SchemaRegistryClientConfig.URL_CONFIG,
                    server.url(),
                    SchemaRegistryClientConfig.MAX_RETRIES_CONFIG,
                    0));
            assertThatThrownBy(() -> client.getSchemaById(1))
                    .isInstanceOf(SchemaRegistryUnavailableException.class)
                    .hasCauseInstanceOf(javax.net.ssl.SSLHandshakeException.class);
            assertThat(server.requests()).isEmpty();
        }
    }

    @Test
    void shouldPresentClientCertificateWhenServerRequiresMutualTls() throws Exception {
        try (ScriptedRegistry server = ScriptedRegistry.https(
                serverContext(true), true, (request, n, s) -> ScriptedRegistry.schema("\"string\""))) {
            RestSchemaRegistryClient client = RestSchemaRegistryClient.fromConfig(tls(server.url(), true));
            assertThat(client.getSchemaById(1)).isEqualTo(Schema.create(Schema.Type.STRING));
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void shouldBeRefusedWhenServerRequiresMutualTlsAndClientHasNoKey() throws Exception {
        try (ScriptedRegistry server = ScriptedRegistry.https(
                serverContext(true), true, (request, n, s) -> ScriptedRegistry.schema("\"string\""))) {
            RestSchemaRegistryClient client = RestSchemaRegistryClient.fromConfig(tls(server.url(), false));
            assertThatThrownBy(() -> client.getSchemaById(1)).isInstanceOf(SchemaRegistryUnavailableException.class);
            assertThat(server.requests()).isEmpty();
        }
    }

    @Test
    void shouldFailClearlyWhenKeyStorePasswordIsWrong() {
        Map<String, Object> props = tls("https://127.0.0.1:1", true);
        props.put(SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG, "wrong");
        assertThatThrownBy(() -> RestSchemaRegistryClient.fromConfig(props))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("schema.registry.ssl.");
    }

    private static Map<String, Object> tls(String url, boolean withKey) {
        Map<String, Object> props = new HashMap<>();
        props.put(SchemaRegistryClientConfig.URL_CONFIG, url);
        props.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 0);
        props.put(SchemaRegistryClientConfig.SSL_TRUSTSTORE_LOCATION_CONFIG, clientTrust.toString());
        props.put(SchemaRegistryClientConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG, PASSWORD);
        if (withKey) {
            props.put(SchemaRegistryClientConfig.SSL_KEYSTORE_LOCATION_CONFIG, clientKeys.toString());
            props.put(SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG, PASSWORD);
        }
        return props;
    }

    private static SSLContext serverContext(boolean trustClient) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(serverKeys), PASSWORD.toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(serverTrust));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), trustClient ? tmf.getTrustManagers() : null, null);
        return context;
    }

    private static KeyStore load(Path file) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }

    private static void keyPair(Path store, String alias, String dname, String san) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "-genkeypair",
                "-alias",
                alias,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                dname,
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                PASSWORD,
                "-keypass",
                PASSWORD));
        if (san != null) {
            args.addAll(List.of("-ext", san));
        }
        keytool(args);
    }

    private static void trust(Path keys, String alias, Path trustStore) throws Exception {
        Path certificate = dir.resolve(alias + ".crt");
        keytool(List.of(
                "-exportcert",
                "-alias",
                alias,
                "-keystore",
                keys.toString(),
                "-storepass",
                PASSWORD,
                "-file",
                certificate.toString()));
        keytool(List.of(
                "-importcert",
                "-noprompt",
                "-alias",
                alias,
                "-file",
                certificate.toString(),
                "-keystore",
                trustStore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                PASSWORD));
    }

    private static void keytool(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue())
                .as("keytool %s: %s", args.get(0), output)
                .isZero();
    }
}
