package io.otnn.trainer.train;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line console progress bar over training steps with loss, accuracy and images/s; silent when the stream is null. */
public final class ProgressBar {

    private static final int WIDTH = 30;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private final int total;
    private final String label;
    private final int imagesPerStep;
    private long lastPrint;

    /** A bar over {@code total} steps of {@code imagesPerStep} images each. */
    public ProgressBar(PrintStream out, String label, int total, int imagesPerStep) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.imagesPerStep = imagesPerStep;
    }

    public void update(int done, double loss, double accuracy) {
        if (out == null) return;
        long now = System.nanoTime();
        if (done < total && now - lastPrint < 200_000_000L) return;
        lastPrint = now;
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        int filled = (int) Math.round(WIDTH * done / (double) Math.max(1, total));
        out.printf(
                Locale.ROOT,
                "\r%s [%s%s] %d/%d loss %.4f acc %.4f %.0f img/s",
                label,
                "=".repeat(filled),
                " ".repeat(WIDTH - filled),
                done,
                total,
                loss,
                accuracy,
                (double) done * imagesPerStep / seconds);
        if (done >= total) out.println();
        out.flush();
    }

    public double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }
}
