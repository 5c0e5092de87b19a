package io.otnn.streams.fidelity;

import java.nio.charset.StandardCharsets;

/**
 * Decides from an image's id alone whether its fidelity is measured: the id is hashed to a place in [0, 1) and the
 * image is in the sample when that place is below the rate. The same id is always in or always out, on any instance,
 * in any batch, and again when its images are read a second time after a crash (see the stream-explainer README).
 * The hash is FNV-1a (64 bits) of the id's UTF-8 bytes followed by SplitMix64's finaliser, which spreads ids that
 * differ in one character; it is fixed here, not {@link String#hashCode()}, so that it never changes with the JVM.
 */
public final class FidelitySampler {

    private final double rate;

    public FidelitySampler(double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("the sample rate must be in [0, 1], got " + rate);
        }
        this.rate = rate;
    }

    public boolean sampled(String imageId) {
        if (rate <= 0) {
            return false;
        }
        return rate >= 1 || place(imageId) < rate;
    }

    /** The id's place in [0, 1), uniform over ids. */
    static double place(String imageId) {
        return (hash(imageId) >>> 11) * 0x1.0p-53;
    }

    /** The id's 64-bit hash (FNV-1a, then SplitMix64's finaliser). */
    static long hash(String imageId) {
        long h = 0xcbf29ce484222325L;
        for (byte b : imageId.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        h ^= h >>> 31;
        return h;
    }
}
