package io.otnn.streams.drift;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * A metric window's certificates as the KS test needs them: counted in the bins of the reference's
 * {@link CertificateGrid}. The partial figures of a batch do not know the reference, so they carry their few
 * certificates as they are ({@code pending}); the window processor {@link #settle settles} them into the bins of its
 * model version's grid as it merges them, so that a window in the store holds at most 2J + 1 counts.
 */
public final class CertificateBins {

    private double[] pending = new double[0];
    private int pendingSize;
    private long[] counts;

    public void add(double certificate) {
        if (pendingSize == pending.length) {
            pending = Arrays.copyOf(pending, Math.max(8, 2 * pending.length));
        }
        pending[pendingSize++] = certificate;
    }

    public CertificateBins merge(CertificateBins other) {
        for (int i = 0; i < other.pendingSize; i++) {
            add(other.pending[i]);
        }
        if (other.counts != null) {
            if (counts == null) {
                counts = other.counts.clone();
            } else if (counts.length == other.counts.length) {
                for (int i = 0; i < counts.length; i++) {
                    counts[i] += other.counts[i];
                }
            } else {
                throw new IllegalStateException(
                        "certificate bins of two grids: " + counts.length + " and " + other.counts.length);
            }
        }
        return this;
    }

    /** Counts the pending certificates in the grid's bins; without a grid (no reference sample) they are dropped. */
    public CertificateBins settle(CertificateGrid grid) {
        if (grid != null) {
            if (counts == null) {
                counts = new long[grid.binCount()];
            }
            if (counts.length != grid.binCount()) {
                throw new IllegalStateException("certificate bins of another grid: " + counts.length + " bins, the"
                        + " reference has " + grid.binCount());
            }
            for (int i = 0; i < pendingSize; i++) {
                counts[grid.bin(pending[i])]++;
            }
        }
        pending = new double[0];
        pendingSize = 0;
        return this;
    }

    /** The settled counts, or {@code null} when none were settled. */
    public long[] counts() {
        return counts == null ? null : counts.clone();
    }

    /** Number of settled certificates. */
    public long settledCount() {
        return counts == null ? 0 : Arrays.stream(counts).sum();
    }

    /** Pending certificates as plain doubles; settled counts sparse (index, count) since most bins of a window are 0. */
    public void write(DataOutputStream out) throws IOException {
        out.writeInt(pendingSize);
        for (int i = 0; i < pendingSize; i++) {
            out.writeDouble(pending[i]);
        }
        if (counts == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(counts.length);
        int nonZero = 0;
        for (long c : counts) {
            if (c != 0) {
                nonZero++;
            }
        }
        out.writeInt(nonZero);
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                out.writeInt(i);
                out.writeLong(counts[i]);
            }
        }
    }

    public static CertificateBins read(DataInputStream in) throws IOException {
        CertificateBins bins = new CertificateBins();
        int pending = in.readInt();
        if (pending < 0 || pending > in.available() / Double.BYTES) {
            throw new IOException("bad pending certificate count " + pending);
        }
        for (int i = 0; i < pending; i++) {
            bins.add(in.readDouble());
        }
        int length = in.readInt();
        if (length < 0) {
            return bins;
        }
        int nonZero = in.readInt();
        if (nonZero < 0 || nonZero > length || nonZero > in.available() / 12) {
            throw new IOException("bad certificate bin count " + nonZero + " of " + length);
        }
        bins.counts = new long[length];
        for (int i = 0; i < nonZero; i++) {
            int index = in.readInt();
            if (index < 0 || index >= length) {
                throw new IOException("certificate bin " + index + " outside 0.." + (length - 1));
            }
            bins.counts[index] = in.readLong();
        }
        return bins;
    }
}
