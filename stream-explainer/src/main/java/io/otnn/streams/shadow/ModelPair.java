package io.otnn.streams.shadow;

/**
 * The two models one comparison is about, each as its explanation named it; {@link #key()} is the comparison
 * partials' key, so that a swap of either model lands in a new key (and a new record).
 */
public record ModelPair(String primaryName, int primaryVersion, String shadowName, int shadowVersion) {

    /** {@code primary@version|shadow@version}. */
    public String key() {
        return primaryName + "@" + primaryVersion + "|" + shadowName + "@" + shadowVersion;
    }
}
