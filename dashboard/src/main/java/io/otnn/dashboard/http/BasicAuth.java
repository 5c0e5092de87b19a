package io.otnn.dashboard.http;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/** HTTP basic authentication against one user and password, compared in constant time. The password is never shown. */
final class BasicAuth {

    private final byte[] expected;

    BasicAuth(String user, char[] password) {
        CharBuffer chars = CharBuffer.allocate(user.length() + 1 + password.length);
        chars.put(user).put(':').put(password).flip();
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(chars);
        expected = new byte[bytes.remaining()];
        bytes.get(expected);
        Arrays.fill(chars.array(), '\0');
    }

    /** Whether an {@code Authorization} header value carries the right credentials. */
    boolean accepts(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) return false;
        byte[] given;
        try {
            given = Base64.getDecoder().decode(header.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(given, expected);
    }

    @Override
    public String toString() {
        return "BasicAuth[****]";
    }
}
