package io.otnn.local.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * What a secure registry requires of a request: TLS with the given server key ({@link #sslContext()}) and an HTTP
 * basic {@code Authorization} header naming one of {@link #users()} with its password.
 */
public final class RegistryAuth {

    private final SSLContext sslContext;
    private final Map<String, byte[]> credentials = new LinkedHashMap<>();

    public RegistryAuth(SSLContext sslContext, Map<String, String> users) {
        this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
        if (users.isEmpty()) {
            throw new IllegalArgumentException("a secure registry needs at least one user");
        }
        users.forEach(
                (name, password) -> credentials.put(name, (name + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Reads the server key from a PKCS12 key store whose password is the first line of {@code keyStorePasswordFile},
     * and the users from a properties file of {@code name=password} lines: no secret on a command line.
     */
    public static RegistryAuth fromFiles(Path keyStore, Path keyStorePasswordFile, Path usersFile) {
        try {
            char[] password = Files.readString(keyStorePasswordFile, StandardCharsets.UTF_8)
                    .strip()
                    .toCharArray();
            Properties users = new Properties();
            try (InputStream in = Files.newInputStream(usersFile)) {
                users.load(in);
            }
            Map<String, String> byName = new LinkedHashMap<>();
            users.stringPropertyNames().forEach(name -> byName.put(name, users.getProperty(name)));
            return new RegistryAuth(serverContext(keyStore, password), byName);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the registry's key store or users: " + e.getMessage(), e);
        }
    }

    /** A TLS server context from a PKCS12 key store whose store and key password are {@code password}. */
    public static SSLContext serverContext(Path keyStore, char[] password) {
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load the TLS key store " + keyStore + ": " + e.getMessage(), e);
        }
    }

    public SSLContext sslContext() {
        return sslContext;
    }

    /** The user names (never their passwords). */
    public java.util.Set<String> users() {
        return credentials.keySet();
    }

    /** True when {@code authorization} is {@code Basic base64(user:password)} of a known user and its password. */
    public boolean permits(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(authorization.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        String text = new String(given, StandardCharsets.UTF_8);
        int colon = text.indexOf(':');
        byte[] expected = colon < 0 ? null : credentials.get(text.substring(0, colon));
        // constant time in the password: a wrong guess learns nothing from the answer's timing
        return expected != null && MessageDigest.isEqual(expected, given);
    }

    @Override
    public String toString() {
        return "RegistryAuth[HTTPS, basic auth, users " + credentials.keySet() + "]";
    }
}
