package io.otnn.schemas.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Settings of {@link RestSchemaRegistryClient}. Keys mirror Confluent's client where it has them, so the
 * same configuration map can be handed to our serde and to Confluent's.
 */
public final class SchemaRegistryClientConfig {

    /** Comma-separated base URLs of the registry; tried in turn on connection errors. Required. */
    public static final String URL_CONFIG = "schema.registry.url";
    /** Where basic-auth credentials come from: {@code USER_INFO} (default) or {@code URL} (user:pass@host). */
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG = "basic.auth.credentials.source";
    /** {@code user:password} for HTTP basic authentication. */
    public static final String BASIC_AUTH_USER_INFO_CONFIG = "basic.auth.user.info";
    /** Time to open a connection, in ms (default 5000). */
    public static final String CONNECT_TIMEOUT_MS_CONFIG = "schema.registry.connect.timeout.ms";
    /** Time to wait for an answer, in ms (default 10000). */
    public static final String REQUEST_TIMEOUT_MS_CONFIG = "schema.registry.request.timeout.ms";
    /** Retries after a connection error or 5xx answer (default 3; 0 disables retries). */
    public static final String MAX_RETRIES_CONFIG = "schema.registry.max.retries";
    /** First back-off between retries, in ms, doubled each retry (default 100). */
    public static final String RETRY_BACKOFF_MS_CONFIG = "schema.registry.retry.backoff.ms";
    /** Longest back-off between retries, in ms (default 2000). */
    public static final String RETRY_BACKOFF_MAX_MS_CONFIG = "schema.registry.retry.backoff.max.ms";
    /** How long the latest version of a subject is cached, in seconds; -1 caches forever (default, as Confluent). */
    public static final String LATEST_CACHE_TTL_SEC_CONFIG = "latest.cache.ttl.sec";
    /** Trust store for HTTPS (else the JDK's default trust store). */
    public static final String SSL_TRUSTSTORE_LOCATION_CONFIG = "schema.registry.ssl.truststore.location";

    public static final String SSL_TRUSTSTORE_PASSWORD_CONFIG = "schema.registry.ssl.truststore.password";
    /** Trust store type (default PKCS12). */
    public static final String SSL_TRUSTSTORE_TYPE_CONFIG = "schema.registry.ssl.truststore.type";
    /** Key store for mutual TLS. */
    public static final String SSL_KEYSTORE_LOCATION_CONFIG = "schema.registry.ssl.keystore.location";

    public static final String SSL_KEYSTORE_PASSWORD_CONFIG = "schema.registry.ssl.keystore.password";
    /** Key store type (default PKCS12). */
    public static final String SSL_KEYSTORE_TYPE_CONFIG = "schema.registry.ssl.keystore.type";

    public static final String SSL_KEY_PASSWORD_CONFIG = "schema.registry.ssl.key.password";

    private final List<String> urls;
    private final String userInfo;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final int maxRetries;
    private final Duration retryBackoff;
    private final Duration retryBackoffMax;
    private final Duration latestCacheTtl;
    private final SSLContext sslContext;

    private SchemaRegistryClientConfig(Map<String, ?> props) {
        String url = string(props, URL_CONFIG, null);
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("'" + URL_CONFIG + "' is required, e.g. http://127.0.0.1:8081");
        }
        List<String> parsed = new ArrayList<>();
        String credentialsFromUrl = null;
        for (String u : url.split(",")) {
            String trimmed = u.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            java.net.URI uri;
            try {
                uri = java.net.URI.create(trimmed);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "'" + URL_CONFIG + "' has an invalid URL: " + trimmed + " (" + e.getMessage() + ")");
            }
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("'" + URL_CONFIG + "' has an invalid URL: " + trimmed);
            }
            if (uri.getRawUserInfo() != null) {
                credentialsFromUrl = uri.getUserInfo();
                trimmed = trimmed.replace(uri.getRawUserInfo() + "@", "");
            }
            parsed.add(trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
        }
        this.urls = List.copyOf(parsed);
        String source = string(props, BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO");
        this.userInfo = "URL".equalsIgnoreCase(source)
                ? credentialsFromUrl
                : string(props, BASIC_AUTH_USER_INFO_CONFIG, credentialsFromUrl);
        this.connectTimeout = Duration.ofMillis(number(props, CONNECT_TIMEOUT_MS_CONFIG, 5_000, 1));
        this.requestTimeout = Duration.ofMillis(number(props, REQUEST_TIMEOUT_MS_CONFIG, 10_000, 1));
        this.maxRetries = (int) number(props, MAX_RETRIES_CONFIG, 3, 0);
        this.retryBackoff = Duration.ofMillis(number(props, RETRY_BACKOFF_MS_CONFIG, 100, 0));
        this.retryBackoffMax = Duration.ofMillis(number(props, RETRY_BACKOFF_MAX_MS_CONFIG, 2_000, 0));
        long ttl = number(props, LATEST_CACHE_TTL_SEC_CONFIG, -1, -1);
        this.latestCacheTtl = ttl < 0 ? null : Duration.ofSeconds(ttl);
        this.sslContext = sslContext(props);
    }

    /** Reads the settings from a configuration map (as Kafka hands to serializers). */
    public static SchemaRegistryClientConfig from(Map<String, ?> props) {
        return new SchemaRegistryClientConfig(props);
    }

    /** Settings for one registry URL with every default. */
    public static SchemaRegistryClientConfig forUrl(String url) {
        return new SchemaRegistryClientConfig(Map.of(URL_CONFIG, url));
    }

    public List<String> urls() {
        return urls;
    }

    public Optional<String> userInfo() {
        return Optional.ofNullable(userInfo);
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration requestTimeout() {
        return requestTimeout;
    }

    public int maxRetries() {
        return maxRetries;
    }

    public Duration retryBackoff() {
        return retryBackoff;
    }

    public Duration retryBackoffMax() {
        return retryBackoffMax;
    }

    /** Empty: the latest version is cached forever. */
    public Optional<Duration> latestCacheTtl() {
        return Optional.ofNullable(latestCacheTtl);
    }

    /** The TLS context built from the {@code schema.registry.ssl.*} settings, if any were given. */
    public Optional<SSLContext> sslContext() {
        return Optional.ofNullable(sslContext);
    }

    private static String string(Map<String, ?> props, String key, String fallback) {
        Object v = props.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof org.apache.kafka.common.config.types.Password p) {
            return p.value();
        }
        if (v instanceof List<?> list) {
            return String.join(",", list.stream().map(String::valueOf).toList());
        }
        return String.valueOf(v);
    }

    private static long number(Map<String, ?> props, String key, long fallback, long min) {
        String v = string(props, key, null);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + key + "' must be a whole number, was '" + v + "'");
        }
        if (n < min) {
            throw new IllegalArgumentException("'" + key + "' must be >= " + min + ", was " + n);
        }
        return n;
    }

    private static SSLContext sslContext(Map<String, ?> props) {
        String trustStore = string(props, SSL_TRUSTSTORE_LOCATION_CONFIG, null);
        String keyStore = string(props, SSL_KEYSTORE_LOCATION_CONFIG, null);
        if (trustStore == null && keyStore == null) {
            return null;
        }
        try {
            TrustManagerFactory tmf = null;
            if (trustStore != null) {
                KeyStore ts = load(
                        trustStore,
                        string(props, SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12"),
                        string(props, SSL_TRUSTSTORE_PASSWORD_CONFIG, null));
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ts);
            }
            KeyManagerFactory kmf = null;
            if (keyStore != null) {
                String storePassword = string(props, SSL_KEYSTORE_PASSWORD_CONFIG, null);
                KeyStore ks = load(keyStore, string(props, SSL_KEYSTORE_TYPE_CONFIG, "PKCS12"), storePassword);
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                String keyPassword = string(props, SSL_KEY_PASSWORD_CONFIG, storePassword);
                kmf.init(ks, keyPassword == null ? null : keyPassword.toCharArray());
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "cannot set up TLS for the schema registry from the " + "schema.registry.ssl.* settings: "
                            + e.getMessage(),
                    e);
        }
    }

    private static KeyStore load(String location, String type, String password)
            throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            store.load(in, password == null ? null : password.toCharArray());
        }
        return store;
    }
}
