package io.otnn.streams.fidelity;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.metrics.CausalFidelity;
import io.otnn.explain.metrics.MuFidelity;
import io.otnn.explain.metrics.PerturbedInputs;
import io.otnn.explain.metrics.Scorer;
import java.util.ArrayList;
import java.util.List;

/**
 * µFidelity and Deletion AUC of the saliency maps of sampled images, explain-core's definitions
 * ({@link MuFidelity}, {@link CausalFidelity}) scored by the stream's own engine: the perturbed inputs of all the
 * images of one call go through one forward pass (logits only), cut into chunks of at most {@link #MAX_ROWS} rows.
 * Each image is scored for the class its saliency explains (the predicted class).
 *
 * <p>Each image draws its own µFidelity subsets (and uniform baselines), seeded by {@link #imageSeed}: offline, one
 * set of subsets is shared by all the images, so its draw moves every image's ρ alike and the mean over any number
 * of images keeps that set's offset (with 50 subsets, the mean over 500 images moved from 0.11 to 0.19 with the seed;
 * see bench/README.md). Drawn per image, the offsets average out over the window's sample, and the same image still
 * gets the same subsets on a replay.
 */
public final class OnlineFidelity {

    /**
     * Rows per engine call at most. Beyond 512 rows of 28×28 images the dense OTNN's cost per row grows: measured
     * 44–47 µs per row at 512, 110–164 at 1,024 and 87–227 at 2,048 on the loaded 2-core machine (bench/README.md).
     * explain-core's expanded batches use the same bound.
     */
    public static final int MAX_ROWS = 512;

    /** One sampled image: its id, its pixels, the class its saliency map explains, and the map. */
    public record Sample(String imageId, float[] image, int explainedClass, float[] saliency) {}

    /** One image's figures; NaN where a score of its perturbed inputs was not finite. */
    public record Score(double muFidelity, double deletionAuc) {
        public boolean finite() {
            return Double.isFinite(muFidelity) && Double.isFinite(deletionAuc);
        }
    }

    private final FidelitySettings settings;
    private final ModelMetadata.Input input;
    private final FidelitySampler sampler;
    private final Scorer scorer;
    private final int inputSize;

    /**
     * @param forward the engine's forward pass, {@code [n, K]} logits of {@code n} flattened images
     */
    public OnlineFidelity(FidelitySettings settings, ModelMetadata.Input input, Scorer.Logits forward) {
        this.settings = settings;
        this.input = input;
        this.sampler = new FidelitySampler(settings.sampleRate());
        this.scorer = Scorer.ofLogits(forward);
        this.inputSize = input.size();
    }

    public boolean sampled(String imageId) {
        return sampler.sampled(imageId);
    }

    /** The seed of one image's subsets and baselines: {@code fidelity.seed} mixed with the hash of its id. */
    public static long imageSeed(long seed, String imageId) {
        return seed * 0x9e3779b97f4a7c15L ^ FidelitySampler.hash(imageId);
    }

    /** explain-core's µFidelity with these settings, for one image. */
    public MuFidelity muFidelity(String imageId) {
        return new MuFidelity(
                input,
                settings.grid(),
                settings.subsetFraction(),
                settings.muFidelitySamples(),
                settings.baseline(),
                imageSeed(settings.seed(), imageId));
    }

    /** explain-core's Deletion with these settings, for one image. */
    public CausalFidelity deletion(String imageId) {
        return new CausalFidelity(
                input,
                CausalFidelity.Mode.DELETION,
                settings.baseline(),
                settings.deletionSteps(),
                imageSeed(settings.seed(), imageId));
    }

    /**
     * The figures of each sample, in order.
     *
     * @throws RuntimeException when the forward pass fails
     */
    public List<Score> score(List<Sample> samples) {
        List<PerturbedInputs> probes = new ArrayList<>(2 * samples.size());
        int rows = 0;
        for (Sample sample : samples) {
            PerturbedInputs mu = muFidelity(sample.imageId()).probe(sample.image(), sample.saliency());
            PerturbedInputs del = deletion(sample.imageId()).probe(sample.image(), sample.saliency());
            probes.add(mu);
            probes.add(del);
            rows += mu.rows() + del.rows();
        }
        float[] flat = new float[rows * inputSize];
        int[] classes = new int[rows];
        int at = 0;
        for (int p = 0; p < probes.size(); p++) {
            PerturbedInputs probe = probes.get(p);
            System.arraycopy(probe.inputs(), 0, flat, at * inputSize, probe.rows() * inputSize);
            java.util.Arrays.fill(
                    classes, at, at + probe.rows(), samples.get(p / 2).explainedClass());
            at += probe.rows();
        }
        float[] scores = scores(flat, rows, classes);
        List<Score> out = new ArrayList<>(samples.size());
        at = 0;
        for (int i = 0; i < samples.size(); i++) {
            double[] values = new double[2];
            for (int m = 0; m < 2; m++) {
                PerturbedInputs probe = probes.get(2 * i + m);
                float[] slice = java.util.Arrays.copyOfRange(scores, at, at + probe.rows());
                // a non-finite score has no rank: Spearman would still give a number
                values[m] = allFinite(slice) ? probe.value(slice) : Double.NaN;
                at += probe.rows();
            }
            out.add(new Score(values[0], values[1]));
        }
        return out;
    }

    private static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private float[] scores(float[] flat, int rows, int[] classes) {
        if (rows <= MAX_ROWS) {
            return scorer.scores(flat, rows, classes);
        }
        float[] out = new float[rows];
        for (int start = 0; start < rows; start += MAX_ROWS) {
            int n = Math.min(MAX_ROWS, rows - start);
            float[] chunk = java.util.Arrays.copyOfRange(flat, start * inputSize, (start + n) * inputSize);
            int[] chunkClasses = java.util.Arrays.copyOfRange(classes, start, start + n);
            System.arraycopy(scorer.scores(chunk, n, chunkClasses), 0, out, start, n);
        }
        return out;
    }
}
