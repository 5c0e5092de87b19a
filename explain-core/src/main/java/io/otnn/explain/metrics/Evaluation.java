package io.otnn.explain.metrics;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.Explainer;
import io.otnn.explain.attribution.AttributionMethod;
import io.otnn.explain.attribution.GradCam;
import io.otnn.explain.attribution.GradientInput;
import io.otnn.explain.attribution.GradientMap;
import io.otnn.explain.attribution.IntegratedGradients;
import io.otnn.explain.attribution.Rise;
import io.otnn.explain.attribution.Saliency;
import io.otnn.explain.attribution.SmoothGrad;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Evaluates attribution methods on a data set for one model and fills an {@link EvaluationTable}: per method the
 * metrics of the paper's Table 1 (µFidelity zero and uniform, Stability), Table 8 (Deletion and Insertion), Table 9
 * (Robustness-S_r) and Table 10 (JPEG size), and the Saliency–SmoothGrad distances. Every explanation is for the
 * model's predicted class. Each metric's column names its definition ({@link #metricNames}); the definitions are the
 * module README's "Metrics". Seeded: the same options give the same table.
 *
 * <p>The model calls are batched: the µFidelity rows (image × 200 subsets) do not depend on the attribution, so they
 * are scored once per baseline and shared by every method; Deletion/Insertion rows of many images go in one call;
 * neighbours and noise samples go in calls of {@link io.otnn.explain.attribution.ClassGradients#CHUNK} points; the
 * Robustness-S_r attack runs on all images × fractions at once. The seconds of each part are recorded in the table
 * ({@link EvaluationTable#seconds}).
 */
public final class Evaluation {

    /**
     * @param seed              seeds every random draw
     * @param muFidelitySamples subsets per image (Xplique default 200)
     * @param grid              µFidelity grid (20 for 28×28, paper A.4.2)
     * @param subsetPercent     share of the cells set to the baseline (0.2)
     * @param sampling          how the µFidelity subsets and uniform baselines are drawn
     * @param stability         the Stability neighbourhood
     * @param rows              points per model call for the perturbation metrics
     * @param stabilityImages   Stability on the first this many images only (0: all); its 20 × 50 gradients per
     *                          image for SmoothGrad and Integrated Gradients are most of the evaluation's work
     * @param robustnessImages  Robustness-SR on the first this many images only (0: all)
     * @param riseMasks         masks of {@link Rise} in {@link #defaultMethods(long, int)} (Xplique's 4,000)
     */
    public record Options(
            long seed,
            int muFidelitySamples,
            int grid,
            double subsetPercent,
            MuFidelity.Sampling sampling,
            Stability.Definition stability,
            int rows,
            int stabilityImages,
            int robustnessImages,
            int riseMasks) {

        public Options {
            if (stabilityImages < 0 || robustnessImages < 0) {
                throw new IllegalArgumentException("image counts must be >= 0 (0: all images)");
            }
            if (rows < 1) throw new IllegalArgumentException("rows must be >= 1, got " + rows);
            if (riseMasks < 1) throw new IllegalArgumentException("riseMasks must be >= 1, got " + riseMasks);
        }

        /** The paper's set-up (A.4.2) with Xplique's samplings of 2022–2023. */
        public static Options paperDefaults() {
            return paperDefaults(0L);
        }

        public static Options paperDefaults(long seed) {
            return new Options(
                    seed,
                    200,
                    20,
                    0.2,
                    MuFidelity.Sampling.XPLIQUE_EXACT_COUNT,
                    Stability.Definition.XPLIQUE,
                    1024,
                    0,
                    0,
                    Rise.DEFAULT_MASKS);
        }

        public Options withStability(Stability.Definition definition) {
            return new Options(
                    seed,
                    muFidelitySamples,
                    grid,
                    subsetPercent,
                    sampling,
                    definition,
                    rows,
                    stabilityImages,
                    robustnessImages,
                    riseMasks);
        }

        public Options withSampling(MuFidelity.Sampling newSampling) {
            return new Options(
                    seed,
                    muFidelitySamples,
                    grid,
                    subsetPercent,
                    newSampling,
                    stability,
                    rows,
                    stabilityImages,
                    robustnessImages,
                    riseMasks);
        }

        /** Stability on the first {@code stabilityN} images and Robustness-SR on the first {@code robustnessN} (0: all). */
        public Options withSubsets(int stabilityN, int robustnessN) {
            return new Options(
                    seed,
                    muFidelitySamples,
                    grid,
                    subsetPercent,
                    sampling,
                    stability,
                    rows,
                    stabilityN,
                    robustnessN,
                    riseMasks);
        }

        /** {@link Rise} with {@code masks} masks in {@link #defaultMethods(long, int)}. */
        public Options withRiseMasks(int masks) {
            return new Options(
                    seed,
                    muFidelitySamples,
                    grid,
                    subsetPercent,
                    sampling,
                    stability,
                    rows,
                    stabilityImages,
                    robustnessImages,
                    masks);
        }

        /** The short tag of the µFidelity definition ("xplique-exact 81/400" for the paper's grid). */
        public String muFidelityTag() {
            int cells = grid * grid;
            return sampling == MuFidelity.Sampling.XPLIQUE_EXACT_COUNT
                    ? "xplique-exact " + ((int) (cells * subsetPercent) + 1) + "/" + cells
                    : "bernoulli " + Math.round(subsetPercent * 100) + "% of " + cells;
        }

        public String stabilityTag() {
            return stability.name() + " r=" + stability.radius() + " ×" + stability.samples()
                    + (stabilityImages > 0 ? ", first " + stabilityImages + " images" : "");
        }

        public String robustnessTag() {
            return "deepfool-l2, 5–45 %" + (robustnessImages > 0 ? ", first " + robustnessImages + " images" : "");
        }
    }

    /**
     * The per-method metrics, in the order of {@link #metricNames}: {@code table.get(model, method,
     * Metric.STABILITY_SPEARMAN.column(options))} reads one figure whatever the definition tags say.
     */
    public enum Metric {
        MU_FIDELITY_ZERO,
        MU_FIDELITY_UNIFORM,
        STABILITY_SPEARMAN,
        STABILITY_L2_SQUARED,
        DELETION_ZERO,
        DELETION_UNIFORM,
        INSERTION_ZERO,
        INSERTION_UNIFORM,
        ROBUSTNESS_SR,
        JPEG_KB,
        MU_FIDELITY_ZERO_BROADCAST,
        MU_FIDELITY_UNIFORM_BROADCAST;

        /** The column name of this metric under {@code options}. */
        public String column(Options options) {
            return metricNames(options).get(ordinal());
        }
    }

    /** The distances of Stability computed from the one set of neighbour maps. */
    static final Stability.Distance[] STABILITY_DISTANCES = {Stability.Distance.SPEARMAN, Stability.Distance.SQUARED_L2
    };

    /** The method row the Saliency–SmoothGrad distances are stored under. */
    public static final String SALIENCY_VS_SMOOTHGRAD = "Saliency vs SmoothGrad";

    private Evaluation() {}

    /** The column names of the per-method metrics for {@code options}, in the table's order. */
    public static List<String> metricNames(Options options) {
        String mu = options.muFidelityTag();
        String st = options.stabilityTag();
        List<String> out = new ArrayList<>();
        out.add("µFidelity-zero [" + mu + "]");
        out.add("µFidelity-uniform [" + mu + "]");
        for (Stability.Distance d : STABILITY_DISTANCES) out.add("Stability [" + st + ", " + d.label() + "]");
        out.add("Deletion-zero [xplique 10 steps]");
        out.add("Deletion-uniform [xplique 10 steps]");
        out.add("Insertion-zero [xplique 10 steps]");
        out.add("Insertion-uniform [xplique 10 steps]");
        out.add("Robustness-SR [" + options.robustnessTag() + "]");
        out.add("JPEG kB [gray8 q0.75]");
        out.add("µFidelity-zero [" + mu + ", xplique≤1.3.0 (H,W) broadcast]");
        out.add("µFidelity-uniform [" + mu + ", xplique≤1.3.0 (H,W) broadcast]");
        return out;
    }

    /** The column names of the Saliency–SmoothGrad distances. */
    public static List<String> distanceNames() {
        List<String> out = new ArrayList<>();
        for (ExplanationMetrics.MapDistance d : ExplanationMetrics.MapDistance.values()) {
            out.add("Saliency–SmoothGrad distance [" + d.label() + "]");
        }
        return out;
    }

    /** {@link #defaultMethods(long, int)} with Xplique's 4,000 RISE masks. */
    public static List<AttributionMethod> defaultMethods(long seed) {
        return defaultMethods(seed, Rise.DEFAULT_MASKS);
    }

    /**
     * Saliency, SmoothGrad, Integrated Gradients, Gradient × Input and Grad-CAM (paper A.4.1), and RISE with
     * {@code riseMasks} masks (the paper's Tables 8 and 9).
     */
    public static List<AttributionMethod> defaultMethods(long seed, int riseMasks) {
        return List.of(
                new Saliency(),
                new SmoothGrad(SmoothGrad.DEFAULT_SAMPLES, SmoothGrad.DEFAULT_SIGMA, seed),
                new IntegratedGradients(),
                new GradientInput(),
                new GradCam(),
                new Rise(riseMasks, seed));
    }

    /**
     * Why the evaluation gives no Stability for {@code method}, or null when it does. RISE is left out: each of the 20
     * neighbours of an image would need a RISE of its own (20 × 4,000 forward passes per image with Xplique's
     * masks, about 56 CPU seconds per image on the reference cnn), and no table of the paper has RISE's Stability.
     */
    public static String stabilityNotMeasured(AttributionMethod method) {
        if (method instanceof Rise rise) {
            return "each neighbour needs a RISE of its own (" + rise.masks()
                    + " forward passes per neighbour); the paper's Table 1 has no RISE";
        }
        return null;
    }

    /** The number of progress steps {@link #run} reports: one for the shared passes, three per method. */
    public static int progressSteps(List<AttributionMethod> methods) {
        return 1 + 3 * methods.size();
    }

    /**
     * @param progress receives the number of steps finished, out of {@link #progressSteps}
     */
    public static void run(
            String modelName,
            Explainer explainer,
            float[][] images,
            int[] trueLabels,
            List<AttributionMethod> methods,
            Options options,
            EvaluationTable table,
            IntConsumer progress) {
        ModelMetadata.Input input = explainer.metadata().input();
        int n = images.length;
        List<String> names = metricNames(options);
        Clock clock = new Clock(table, modelName);

        int[] labels = predicted(explainer, images);
        int correct = 0;
        for (int i = 0; i < n; i++) if (trueLabels != null && labels[i] == trueLabels[i]) correct++;
        if (trueLabels != null) table.put(modelName, "(model)", "accuracy", (double) correct / n);
        clock.lap("predictions");

        Scorer scorer = Scorer.of(explainer);
        long seed = options.seed();
        Baseline[] baselines = {Baseline.ZERO, Baseline.UNIFORM};
        MuFidelity[] mu = new MuFidelity[2];
        float[][][] muScores = new float[2][][];
        for (int b = 0; b < 2; b++) {
            mu[b] = new MuFidelity(
                    input,
                    options.grid(),
                    options.subsetPercent(),
                    options.muFidelitySamples(),
                    baselines[b],
                    seed,
                    options.sampling());
            muScores[b] = muFidelityScores(mu[b], scorer, images, labels, options.rows());
        }
        clock.lap("µFidelity forward passes (shared by the methods)");
        int step = 1;
        progress.accept(step);

        CausalFidelity[] causal = {
            new CausalFidelity(input, CausalFidelity.Mode.DELETION, Baseline.ZERO, seed),
            new CausalFidelity(input, CausalFidelity.Mode.DELETION, Baseline.UNIFORM, seed),
            new CausalFidelity(input, CausalFidelity.Mode.INSERTION, Baseline.ZERO, seed),
            new CausalFidelity(input, CausalFidelity.Mode.INSERTION, Baseline.UNIFORM, seed)
        };
        float[] atImages = new float[n];
        for (int i = 0; i < n; i++) atImages[i] = muScores[0][i][0]; // row 0 of µFidelity is the image itself
        float[][] atBaselines = new float[causal.length][];
        for (int c = 0; c < causal.length; c++)
            atBaselines[c] = baselineScores(causal[c], scorer, labels, options.rows());
        clock.lap("Deletion, Insertion: the curves' ends (shared by the methods)");
        Stability stability = new Stability(input, options.stability(), seed);
        RobustnessSr robustness = new RobustnessSr(input);
        RobustnessSr.MarginOracle oracle = RobustnessSr.of(explainer);

        SharedGradients shared = new SharedGradients(explainer, images, labels, options.rows());
        if (methods.stream().anyMatch(Evaluation::usesSharedGradients)) {
            shared.atImages();
            clock.lap("gradients at the images (shared by Saliency, Gradient × Input, IG's α = 1)");
        }
        int nr = subset(n, options.robustnessImages());
        float[][] robustImages = Arrays.copyOf(images, nr);
        int[] robustLabels = Arrays.copyOf(labels, nr);
        RobustnessSr.Margins robustStart = null;

        float[][] saliency = null;
        float[][] smoothGrad = null;
        for (AttributionMethod method : methods) {
            String reason = method.unavailableReason(explainer);
            if (reason != null) {
                table.unavailable(modelName, method.name(), reason);
                progress.accept(step += 3);
                continue;
            }
            String m = method.name();
            float[][] maps = maps(method, explainer, images, labels, shared);
            if (method instanceof Saliency) saliency = maps;
            if (method instanceof SmoothGrad) smoothGrad = maps;
            double jpeg = 0;
            for (float[] map : maps)
                jpeg += ExplanationMetrics.jpegBytes(map, input.height(), input.width(), input.channels());
            clock.lap(m + ": maps");

            for (int b = 0; b < 2; b++) {
                double sum = 0;
                for (int i = 0; i < n; i++) sum += mu[b].correlation(muScores[b][i], maps[i]);
                table.put(modelName, m, names.get(b), sum / n);
            }
            double[] causalSums =
                    causalFidelity(causal, scorer, images, labels, maps, options.rows(), atImages, atBaselines);
            for (int c = 0; c < causal.length; c++) table.put(modelName, m, names.get(4 + c), causalSums[c] / n);
            clock.lap(m + ": µFidelity, Deletion, Insertion");
            progress.accept(++step);

            int ns = subset(n, options.stabilityImages());
            if (stabilityNotMeasured(method) == null) {
                if (usesSharedGradients(method) && !shared.hasNeighbours()) {
                    shared.atNeighbours(stability, ns);
                    clock.lap(
                            "Stability: gradients at the neighbours (shared by Saliency, Gradient × Input, IG's α = 1)");
                }
                double[] stabilitySums = stability(
                        stability,
                        method,
                        explainer,
                        Arrays.copyOf(images, ns),
                        Arrays.copyOf(labels, ns),
                        Arrays.copyOf(maps, ns),
                        seed,
                        options.rows(),
                        usesSharedGradients(method) ? shared : null);
                for (int d = 0; d < STABILITY_DISTANCES.length; d++) {
                    table.put(modelName, m, names.get(2 + d), stabilitySums[d] / ns);
                }
                clock.lap(m + ": Stability");
            }
            progress.accept(++step);

            if (robustStart == null) {
                robustStart = robustness.atImages(oracle, robustImages, robustLabels);
                clock.lap("Robustness-SR: the attacks' first step (shared by the methods)");
            }
            double auc = 0;
            // all images at once: the attack's later steps, on fewer and fewer points, still fill large calls
            for (double v :
                    robustness.perImage(oracle, robustImages, robustLabels, Arrays.copyOf(maps, nr), robustStart)) {
                auc += v;
            }
            table.put(modelName, m, names.get(8), auc / nr);
            table.put(modelName, m, names.get(9), jpeg / n / 1000.0);
            if (input.height() == input.width()) {
                for (int b = 0; b < 2; b++) {
                    double sum = 0;
                    for (int i = 0; i < n; i++) sum += mu[b].correlationXpliqueBroadcast(muScores[b][i], maps[i]);
                    table.put(modelName, m, names.get(10 + b), sum / n);
                }
            }
            clock.lap(m + ": Robustness-SR");
            progress.accept(++step);
        }
        if (saliency != null && smoothGrad != null) {
            List<String> distanceNames = distanceNames();
            ExplanationMetrics.MapDistance[] kinds = ExplanationMetrics.MapDistance.values();
            double[] sums = new double[kinds.length];
            for (int i = 0; i < n; i++) {
                float[] abs = smoothGrad[i].clone();
                for (int p = 0; p < abs.length; p++) abs[p] = Math.abs(abs[p]);
                for (int d = 0; d < kinds.length; d++) sums[d] += kinds[d].of(saliency[i], abs);
            }
            for (int d = 0; d < kinds.length; d++)
                table.put(modelName, SALIENCY_VS_SMOOTHGRAD, distanceNames.get(d), sums[d] / n);
            clock.lap("Saliency–SmoothGrad distances");
        }
        clock.total("total");
    }

    private static int subset(int n, int limit) {
        return limit == 0 ? n : Math.min(n, limit);
    }

    /** Each image's µFidelity rows scored once: {@code [image][samples + 1]}, many images per model call. */
    static float[][] muFidelityScores(MuFidelity mu, Scorer scorer, float[][] images, int[] labels, int rows) {
        int n = images.length;
        int perImage = mu.samples() + 1;
        int size = images.length == 0 ? 0 : images[0].length;
        int group = Math.max(1, rows / perImage);
        float[][] out = new float[n][];
        for (int start = 0; start < n; start += group) {
            int end = Math.min(n, start + group);
            float[] flat = new float[(end - start) * perImage * size];
            int[] rowLabels = new int[(end - start) * perImage];
            for (int i = start; i < end; i++) {
                System.arraycopy(mu.perturbed(images[i], i), 0, flat, (i - start) * perImage * size, perImage * size);
                Arrays.fill(rowLabels, (i - start) * perImage, (i - start + 1) * perImage, labels[i]);
            }
            float[] scores = scorer.scores(flat, rowLabels.length, rowLabels);
            for (int i = start; i < end; i++) {
                out[i] = Arrays.copyOfRange(scores, (i - start) * perImage, (i - start + 1) * perImage);
            }
        }
        return out;
    }

    /** f_c at each image's baseline of {@code metric} (the end of its deletion curve, the start of its insertion). */
    static float[] baselineScores(CausalFidelity metric, Scorer scorer, int[] labels, int rows) {
        int n = labels.length;
        float[] out = new float[n];
        for (int start = 0; start < n; start += rows) {
            int end = Math.min(n, start + rows);
            float[] first = metric.baselineImage(start);
            int size = first.length;
            float[] flat = new float[(end - start) * size];
            for (int i = start; i < end; i++) {
                System.arraycopy(i == start ? first : metric.baselineImage(i), 0, flat, (i - start) * size, size);
            }
            float[] scores = scorer.scores(flat, end - start, Arrays.copyOfRange(labels, start, end));
            System.arraycopy(scores, 0, out, start, end - start);
        }
        return out;
    }

    /**
     * The sums over images of each metric's AUC, the rows of many images scored in one call; the curves' ends are
     * given: f_c at each image ({@code atImages}) and at its baseline of each metric ({@code atBaselines[metric]}).
     */
    static double[] causalFidelity(
            CausalFidelity[] metrics,
            Scorer scorer,
            float[][] images,
            int[] labels,
            float[][] maps,
            int rows,
            float[] atImages,
            float[][] atBaselines) {
        int n = images.length;
        double[] sums = new double[metrics.length];
        List<PerturbedInputs> probes = new ArrayList<>();
        List<Integer> probeLabels = new ArrayList<>();
        int pending = 0;
        for (int i = 0; i <= n; i++) {
            if (i == n || pending >= rows) {
                scoreAll(probes, probeLabels, scorer, pending, sums, metrics.length);
                probes.clear();
                probeLabels.clear();
                pending = 0;
                if (i == n) break;
            }
            for (int c = 0; c < metrics.length; c++) {
                PerturbedInputs probe = metrics[c].probeBetween(images[i], maps[i], i, atImages[i], atBaselines[c][i]);
                probes.add(probe);
                probeLabels.add(labels[i]);
                pending += probe.rows();
            }
        }
        return sums;
    }

    private static void scoreAll(
            List<PerturbedInputs> probes, List<Integer> labels, Scorer scorer, int rows, double[] sums, int metrics) {
        if (rows == 0) return;
        int size = probes.get(0).inputs().length / probes.get(0).rows();
        float[] flat = new float[rows * size];
        int[] rowLabels = new int[rows];
        int at = 0;
        for (int p = 0; p < probes.size(); p++) {
            PerturbedInputs probe = probes.get(p);
            System.arraycopy(probe.inputs(), 0, flat, at * size, probe.rows() * size);
            Arrays.fill(rowLabels, at, at + probe.rows(), labels.get(p));
            at += probe.rows();
        }
        float[] scores = scorer.scores(flat, rows, rowLabels);
        at = 0;
        for (int p = 0; p < probes.size(); p++) {
            PerturbedInputs probe = probes.get(p);
            sums[p % metrics] += probe.value(Arrays.copyOfRange(scores, at, at + probe.rows()));
            at += probe.rows();
        }
    }

    /**
     * The sums over images of each Stability distance. A randomised method (SmoothGrad) explains the neighbours of
     * each image with fresh noise seeded by the image's index (Xplique draws new noise on every call, one call per
     * image); a deterministic one explains the neighbours of many images in one call.
     */
    static double[] stability(
            Stability stability,
            AttributionMethod method,
            Explainer explainer,
            float[][] images,
            int[] labels,
            float[][] maps,
            long seed,
            int rows,
            SharedGradients shared) {
        int n = images.length;
        int samples = stability.definition().samples();
        double[] sums = new double[STABILITY_DISTANCES.length];
        if (shared != null) {
            float[][][] around = shared.neighbours(stability, n);
            float[][][] gradients = shared.atNeighbours(stability, n);
            int group = Math.max(1, rows / samples);
            for (int start = 0; start < n; start += group) {
                int end = Math.min(n, start + group);
                float[][] points = new float[(end - start) * samples][];
                float[][] atPoints = new float[points.length][];
                int[] pointLabels = new int[points.length];
                for (int i = start; i < end; i++) {
                    System.arraycopy(around[i], 0, points, (i - start) * samples, samples);
                    System.arraycopy(gradients[i], 0, atPoints, (i - start) * samples, samples);
                    Arrays.fill(pointLabels, (i - start) * samples, (i - start + 1) * samples, labels[i]);
                }
                float[][] pointMaps = new float[points.length][];
                if (method instanceof GradientMap map) {
                    for (int q = 0; q < points.length; q++) pointMaps[q] = map.fromGradient(points[q], atPoints[q]);
                } else {
                    pointMaps = ((IntegratedGradients) method).attribute(explainer, points, pointLabels, atPoints);
                }
                for (int i = start; i < end; i++) {
                    float[][] own = Arrays.copyOfRange(pointMaps, (i - start) * samples, (i - start + 1) * samples);
                    double[] values = Stability.score(maps[i], own, STABILITY_DISTANCES);
                    for (int d = 0; d < values.length; d++) sums[d] += values[d];
                }
            }
            return sums;
        }
        boolean randomised = method.withSeed(seed + 1) != method;
        int group = randomised ? 1 : Math.max(1, rows / samples);
        for (int start = 0; start < n; start += group) {
            int end = Math.min(n, start + group);
            float[][] neighbours = new float[(end - start) * samples][];
            int[] neighbourLabels = new int[neighbours.length];
            for (int i = start; i < end; i++) {
                float[][] around = stability.neighbours(images[i]);
                System.arraycopy(around, 0, neighbours, (i - start) * samples, samples);
                Arrays.fill(neighbourLabels, (i - start) * samples, (i - start + 1) * samples, labels[i]);
            }
            AttributionMethod explaining =
                    randomised ? method.withSeed(seed * 1_000_003L + 7919L * (start + 1)) : method;
            float[][] neighbourMaps = explaining.attribute(explainer, neighbours, neighbourLabels);
            for (int i = start; i < end; i++) {
                float[][] own = Arrays.copyOfRange(neighbourMaps, (i - start) * samples, (i - start + 1) * samples);
                double[] values = Stability.score(maps[i], own, STABILITY_DISTANCES);
                for (int d = 0; d < values.length; d++) sums[d] += values[d];
            }
        }
        return sums;
    }

    /** Saliency, Gradient × Input and Integrated Gradients read the gradients they share from {@link SharedGradients}. */
    static boolean usesSharedGradients(AttributionMethod method) {
        return method instanceof GradientMap || method instanceof IntegratedGradients;
    }

    private static float[][] maps(
            AttributionMethod method, Explainer explainer, float[][] images, int[] labels, SharedGradients shared) {
        float[][] gradients = usesSharedGradients(method) ? shared.atImages() : null;
        if (method instanceof GradientMap map) {
            float[][] out = new float[images.length][];
            for (int i = 0; i < images.length; i++) out[i] = map.fromGradient(images[i], gradients[i]);
            return out;
        }
        if (method instanceof IntegratedGradients ig) {
            float[][] out = new float[images.length][];
            int batch = 256;
            for (int start = 0; start < images.length; start += batch) {
                int end = Math.min(images.length, start + batch);
                float[][] part = ig.attribute(
                        explainer,
                        Arrays.copyOfRange(images, start, end),
                        Arrays.copyOfRange(labels, start, end),
                        Arrays.copyOfRange(gradients, start, end));
                System.arraycopy(part, 0, out, start, part.length);
            }
            return out;
        }
        return attributeInChunks(method, explainer, images, labels);
    }

    private static float[][] attributeInChunks(
            AttributionMethod method, Explainer explainer, float[][] images, int[] labels) {
        int n = images.length;
        float[][] out = new float[n][];
        int batch = 256;
        for (int start = 0; start < n; start += batch) {
            int end = Math.min(n, start + batch);
            float[][] maps = method.attribute(
                    explainer, Arrays.copyOfRange(images, start, end), Arrays.copyOfRange(labels, start, end));
            System.arraycopy(maps, 0, out, start, maps.length);
        }
        return out;
    }

    /** Paper Table 11's unmasking fractions k, in percent. */
    public static final double[] NULL_BLOCK_PERCENTS = {2.5, 5, 10, 15, 20, 25, 30};

    /**
     * BlockMNIST proxy (paper Table 11): per method, the mean fraction of the top-k % pixels of |φ| in the null block,
     * as a percentage, for each k of {@link #NULL_BLOCK_PERCENTS}.
     */
    public static void nullBlock(
            String modelName,
            Explainer explainer,
            float[][] images,
            boolean[][] nullBlock,
            List<AttributionMethod> methods,
            int batch,
            EvaluationTable table,
            IntConsumer progress) {
        int[] labels = predicted(explainer, images);
        int n = images.length;
        int finishedMethods = 0;
        Clock clock = new Clock(table, modelName);
        for (AttributionMethod method : methods) {
            String reason = method.unavailableReason(explainer);
            if (reason != null) {
                table.unavailable(modelName, method.name(), reason);
                progress.accept(++finishedMethods * n);
                continue;
            }
            double[] sums = new double[NULL_BLOCK_PERCENTS.length];
            for (int start = 0; start < n; start += batch) {
                int end = Math.min(n, start + batch);
                float[][] maps = method.attribute(
                        explainer, Arrays.copyOfRange(images, start, end), Arrays.copyOfRange(labels, start, end));
                for (int i = 0; i < maps.length; i++) {
                    for (int k = 0; k < NULL_BLOCK_PERCENTS.length; k++) {
                        sums[k] += ExplanationMetrics.nullBlockFraction(
                                maps[i], nullBlock[start + i], NULL_BLOCK_PERCENTS[k]);
                    }
                }
                progress.accept(finishedMethods * n + end);
            }
            finishedMethods++;
            for (int k = 0; k < NULL_BLOCK_PERCENTS.length; k++) {
                table.put(modelName, method.name(), "null@" + NULL_BLOCK_PERCENTS[k] + "%", 100 * sums[k] / n);
            }
            clock.lap(method.name() + ": null block");
        }
        table.seconds(modelName, "total", clock.total());
    }

    /** The predicted class of every image (serving_default). */
    public static int[] predicted(Explainer explainer, float[][] images) {
        int[] out = new int[images.length];
        int batch = 512;
        for (int start = 0; start < images.length; start += batch) {
            int end = Math.min(images.length, start + batch);
            float[][] x = Arrays.copyOfRange(images, start, end);
            float[][] logits = explainer.logits(x);
            float[] flat = new float[logits.length * logits[0].length];
            for (int i = 0; i < logits.length; i++)
                System.arraycopy(logits[i], 0, flat, i * logits[0].length, logits[0].length);
            for (int i = 0; i < x.length; i++) out[start + i] = explainer.classOf(flat, i);
        }
        return out;
    }

    /** Records the seconds and the process's CPU seconds of each part of a model's evaluation into the table. */
    private static final class Clock {
        private static final java.lang.management.OperatingSystemMXBean OS =
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        private final EvaluationTable table;
        private final String model;
        private final long started = System.nanoTime();
        private long last = started;
        private final long startedCpu = cpuNanos();
        private long lastCpu = startedCpu;

        Clock(EvaluationTable table, String model) {
            this.table = table;
            this.model = model;
        }

        void lap(String part) {
            long now = System.nanoTime();
            long cpu = cpuNanos();
            table.seconds(model, part, (now - last) / 1e9);
            if (cpu >= 0) table.cpuSeconds(model, part, (cpu - lastCpu) / 1e9);
            last = now;
            lastCpu = cpu;
        }

        /** The process's CPU time, or -1 where the JVM does not tell it. */
        private static long cpuNanos() {
            return OS instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
        }

        double total() {
            return (System.nanoTime() - started) / 1e9;
        }

        /** Records the seconds and CPU seconds since the clock started as {@code part}. */
        void total(String part) {
            table.seconds(model, part, total());
            long cpu = cpuNanos();
            if (cpu >= 0) table.cpuSeconds(model, part, (cpu - startedCpu) / 1e9);
        }
    }
}
