package io.otnn.local.security;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * The files of one secure stack run, made in its security directory: a fresh CA ({@code ca.crt}), the trust store
 * clients use ({@code truststore.p12}), the key store of the broker and the registry ({@code server.p12}), and,
 * once the addresses are known, one client properties file per user ({@code client-<user>.properties}). Every
 * file that holds a secret is readable by its owner only (on POSIX file systems).
 */
public final class SecurityMaterial {

    public static final String TRUST_STORE_FILE = "truststore.p12";
    public static final String SERVER_KEY_STORE_FILE = "server.p12";
    public static final String CA_CERTIFICATE_FILE = "ca.crt";

    private final StackSecurity security;
    private final Path dir;
    private final String trustStorePassword;
    private final String serverKeyStorePassword;
    private final Map<String, Path> clientFiles = new LinkedHashMap<>();

    private SecurityMaterial(
            StackSecurity security, Path dir, String trustStorePassword, String serverKeyStorePassword) {
        this.security = security;
        this.dir = dir;
        this.trustStorePassword = trustStorePassword;
        this.serverKeyStorePassword = serverKeyStorePassword;
    }

    /** Makes a new CA and the key and trust stores in {@code dir} (created if missing; older files replaced). */
    public static SecurityMaterial create(StackSecurity security, Path dir) {
        Objects.requireNonNull(security, "security");
        try {
            Files.createDirectories(dir);
            CertificateAuthority ca = CertificateAuthority.create("otnn local-stack CA");
            String trustPassword = StackSecurity.randomSecret();
            String serverPassword = StackSecurity.randomSecret();
            store(ca.trustStore(), dir.resolve(TRUST_STORE_FILE), trustPassword);
            store(
                    ca.issueServerKeyStore("otnn local-stack", serverPassword.toCharArray()),
                    dir.resolve(SERVER_KEY_STORE_FILE),
                    serverPassword);
            String pem = "-----BEGIN CERTIFICATE-----\n"
                    + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                            .encodeToString(ca.certificate().getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
            Files.writeString(dir.resolve(CA_CERTIFICATE_FILE), pem, StandardCharsets.US_ASCII);
            return new SecurityMaterial(security, dir.toAbsolutePath(), trustPassword, serverPassword);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the TLS files in " + dir, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode the CA certificate", e);
        }
    }

    public StackSecurity security() {
        return security;
    }

    /** The directory of these files. */
    public Path dir() {
        return dir;
    }

    public Path trustStore() {
        return dir.resolve(TRUST_STORE_FILE);
    }

    public String trustStorePassword() {
        return trustStorePassword;
    }

    /** The CA certificate in PEM, for clients that take one (curl --cacert, Python's ssl.cafile). */
    public Path caCertificate() {
        return dir.resolve(CA_CERTIFICATE_FILE);
    }

    /** Broker properties that make {@code listener} a SASL_SSL listener with this stack's key and mechanism. */
    public Map<String, String> brokerListenerProperties(String listener) {
        String prefix = "listener.name." + listener.toLowerCase(Locale.ROOT) + ".";
        String mechanism = security.mechanism().toLowerCase(Locale.ROOT);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("sasl.enabled.mechanisms", security.mechanism());
        p.put(prefix + "sasl.enabled.mechanisms", security.mechanism());
        p.put(
                prefix + mechanism + ".sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.put(prefix + "ssl.keystore.type", "PKCS12");
        p.put(
                prefix + "ssl.keystore.location",
                dir.resolve(SERVER_KEY_STORE_FILE).toString());
        p.put(prefix + "ssl.keystore.password", serverKeyStorePassword);
        p.put(prefix + "ssl.key.password", serverKeyStorePassword);
        return p;
    }

    /** The registry's TLS context (the same server key as the broker's). */
    public SSLContext registrySslContext() {
        return RegistryAuth.serverContext(dir.resolve(SERVER_KEY_STORE_FILE), serverKeyStorePassword.toCharArray());
    }

    /** What the registry requires: HTTPS with this stack's key, basic auth with the stack's users. */
    public RegistryAuth registryAuth() {
        return new RegistryAuth(registrySslContext(), security.users());
    }

    /** Kafka client properties (any client: producer, consumer, admin, Streams) for {@code user}. */
    public Map<String, Object> kafkaClientProperties(String user) {
        return kafkaClientProperties(user, password(user));
    }

    /** As {@link #kafkaClientProperties(String)} with any password (for tests of a wrong one). */
    public Map<String, Object> kafkaClientProperties(String user, String password) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", security.mechanism());
        p.put(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                        + password + "\";");
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", trustStore().toString());
        p.put("ssl.truststore.password", trustStorePassword);
        return p;
    }

    /** Registry client properties (Confluent's keys, which our client reads too) for {@code user}. */
    public Map<String, Object> registryClientProperties(String user) {
        return registryClientProperties(user, password(user));
    }

    public Map<String, Object> registryClientProperties(String user, String password) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("schema.registry.ssl.truststore.type", "PKCS12");
        p.put("schema.registry.ssl.truststore.location", trustStore().toString());
        p.put("schema.registry.ssl.truststore.password", trustStorePassword);
        p.put("basic.auth.credentials.source", "USER_INFO");
        p.put("basic.auth.user.info", user + ":" + password);
        return p;
    }

    /**
     * Writes {@code client-<user>.properties} for every user: bootstrap servers, registry URL, Kafka's SASL_SSL
     * settings and the registry's HTTPS and basic-auth settings, so that one file serves {@code --config} of
     * {@code otnn explain}, {@code otnn ingest} and any Kafka client. Returns the files by user.
     */
    public Map<String, Path> writeClientProperties(String bootstrapServers, String registryUrl) {
        clientFiles.clear();
        for (String user : security.users().keySet()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("bootstrap.servers", bootstrapServers);
            p.put("schema.registry.url", registryUrl);
            p.putAll(kafkaClientProperties(user));
            p.putAll(registryClientProperties(user));
            Path file = dir.resolve("client-" + user + ".properties");
            StringBuilder text = new StringBuilder("# otnn local-stack: SASL_SSL (" + security.mechanism()
                    + ") and HTTPS registry settings of user " + user + "; keep this file private\n");
            p.forEach((k, v) ->
                    text.append(k).append('=').append(escape(String.valueOf(v))).append('\n'));
            writePrivate(file, text.toString().getBytes(StandardCharsets.UTF_8));
            clientFiles.put(user, file);
        }
        return Map.copyOf(clientFiles);
    }

    /** The client properties file of {@code user}, once {@link #writeClientProperties} has run. */
    public Path clientPropertiesFile(String user) {
        Path file = clientFiles.get(user);
        if (file == null) {
            throw new IllegalArgumentException("no client properties file for user " + user);
        }
        return file;
    }

    private String password(String user) {
        String password = security.users().get(user);
        if (password == null) {
            throw new IllegalArgumentException("unknown user " + user + "; the users are "
                    + security.users().keySet());
        }
        return password;
    }

    /** Escapes a value for {@link java.util.Properties#load}: backslashes (Windows paths) and leading blanks. */
    private static String escape(String value) {
        return value.replace("\\", "\\\\");
    }

    private static void store(KeyStore store, Path file, String password) throws IOException {
        try (OutputStream out = openPrivate(file)) {
            store.store(out, password.toCharArray());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write " + file, e);
        }
    }

    private static void writePrivate(Path file, byte[] bytes) {
        try (OutputStream out = openPrivate(file)) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static OutputStream openPrivate(Path file) throws IOException {
        Files.deleteIfExists(file);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(file);
        }
        return Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING);
    }

    @Override
    public String toString() {
        return "SecurityMaterial[" + dir + ", " + security + "]";
    }
}
