package io.otnn.trainer.diagnostics;

import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.data.DataSources;
import io.otnn.trainer.data.Dataset;
import io.otnn.trainer.eval.Evaluator;
import io.otnn.trainer.eval.RobustnessEvaluation;
import io.otnn.trainer.export.ReloadedModel;
import io.otnn.trainer.layers.BatchNormalization;
import io.otnn.trainer.layers.Conv2D;
import io.otnn.trainer.layers.Dense;
import io.otnn.trainer.layers.Flatten;
import io.otnn.trainer.layers.FrobeniusDense;
import io.otnn.trainer.layers.GlobalAveragePooling2D;
import io.otnn.trainer.layers.GroupSort2;
import io.otnn.trainer.layers.InvertibleDownSampling;
import io.otnn.trainer.layers.Layer;
import io.otnn.trainer.layers.MaxPooling2D;
import io.otnn.trainer.layers.OrthogonalConv2D;
import io.otnn.trainer.layers.Param;
import io.otnn.trainer.layers.ReLU;
import io.otnn.trainer.layers.ScaledGlobalAveragePooling2D;
import io.otnn.trainer.layers.ScaledL2NormPooling2D;
import io.otnn.trainer.layers.SpectralConv2D;
import io.otnn.trainer.layers.SpectralDense;
import io.otnn.trainer.model.Architecture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * An upper bound of a checkpoint's Lipschitz constant L from its frozen weights, as the certificate (f_k* − f_j) / (c·L)
 * uses it: the product over the layers of a sound bound of each layer's L2 Lipschitz constant (the biases do not
 * matter).
 *
 * <ul>
 *   <li>Dense layers (kernel W {@code [in, units]}): σ_max(W), bounded by {@link MatrixSpectrum#sigmaMaxBound}.
 *   <li>Convolutions: {@link ConvolutionSpectrum#dftBound} on the layer's input size. A strided one (zero padding of
 *       at most k − 1 on each side) keeps some outputs of the full zero-padded convolution, which the circular one on
 *       the (H+k−1)×(W+k−1) grid contains: the same bound holds.
 *   <li>BatchNormalization (inference form): max |scale|, a diagonal map.
 *   <li>FrobeniusDense head: the largest column norm max_k ‖w_k‖, the Lipschitz constant of each head f_k on its
 *       input; with c = 2 the margin f_k − f_j then moves by at most 2·max‖w_k‖ times the body's constant ; the
 *       pairwise max ‖w_k − w_j‖ / 2, reported alongside, is what the recorded certificate factor uses instead
 *       ({@link Audit#marginCertificateFactor}).
 *   <li>Exactly 1: GroupSort2, ReLU (permutations / pointwise 1-Lipschitz), Flatten, InvertibleDownSampling
 *       (permutations of the coordinates), ScaledL2NormPooling2D (each output √(‖window‖² + ε) is 1-Lipschitz in its
 *       window, and the windows are disjoint), MaxPooling2D (same argument).
 *   <li>ScaledGlobalAveragePooling2D: s·mean, s = √(HW) rounded to float: exactly s/√(HW) (1 when HW is a square);
 *       GlobalAveragePooling2D: 1/√(HW).
 *   <li>OrthogonalConv2D: the bound of its Taylor polynomial at the DFT bound of its skew kernel ({@link #orthogonalRow}).
 * </ul>
 *
 * Any other layer is reported as not bounded and the
 * product is then not given. Next to each bound {@link #audit} reports an estimate from below: the power iteration on the
 * layer's operator itself (for a convolution, the zero-padded one on the layer's input size); {@link #bounds} skips
 * them (the export records the bound, CheckpointPublisher).
 */
public final class LipschitzAudit {

    /** Power iterations at most, per layer. */
    public static final int MAX_ITERATIONS = 20_000;
    /** Relative change of σ between two power iterations at which they stop. */
    public static final double TOLERANCE = 1e-12;

    private static final long SEED = 1;

    /**
     * One layer: its estimate from below, its sound bound (NaN when not computed) and how they were found; for a
     * FrobeniusDense head also the sound bound of max_{k≠j} ‖w_k − w_j‖ / 2 ({@code pairwise}, else NaN).
     */
    public record Row(
            int index, String layer, long[] inputShape, double estimate, double bound, double pairwise, String how) {

        public Row(int index, String layer, long[] inputShape, double estimate, double bound, String how) {
            this(index, layer, inputShape, estimate, bound, Double.NaN, how);
        }

        public boolean bounded() {
            return !Double.isNaN(bound);
        }
    }

    /** The rows, and the product of the bounds (NaN when a layer is not bounded) and of the estimates. */
    public record Audit(List<Row> rows, double certificateFactor) {

        /** The upper bound of L: the product of the layers' bounds, or NaN if one of them is not bounded. */
        public double lipschitzBound() {
            double p = 1;
            for (Row r : rows) p *= r.bound();
            return p;
        }

        /**
         * The bound of L with a FrobeniusDense head's pairwise factor max_{k≠j} ‖w_k − w_j‖ / 2 instead of max_k ‖w_k‖:
         * the margin f_k − f_j moves by at most ‖w_k − w_j‖ times the body's constant, so (f_k* − f_j) / (2·L) with this
         * L is still a sound radius. Equal to {@link #lipschitzBound} without such a head.
         */
        public double pairwiseLipschitzBound() {
            double p = 1;
            for (Row r : rows) p *= Double.isNaN(r.pairwise()) ? r.bound() : r.pairwise();
            return p;
        }

        /**
         * The certificate factor to record with {@link #lipschitzBound} as L: c·L must bound the Lipschitz constant of
         * every margin f_k − f_j, which the pairwise head factor makes smaller than the architecture's c times L (by
         * pairwise / max ‖w_k‖). Equal to the architecture's c without such a head.
         */
        public double marginCertificateFactor() {
            return certificateFactor * pairwiseLipschitzBound() / lipschitzBound();
        }

        /** The product of the layers' estimates from below (not a bound of either side of L). */
        public double estimateProduct() {
            double p = 1;
            for (Row r : rows) p *= r.estimate();
            return p;
        }

        public List<Row> unbounded() {
            return rows.stream().filter(r -> !r.bounded()).toList();
        }

        public String toMarkdown() {
            StringBuilder b = new StringBuilder();
            b.append("| # | layer | input | power iteration | sound bound | how |\n");
            b.append("| --- | --- | --- | --- | --- | --- |\n");
            for (Row r : rows) {
                b.append(String.format(
                        Locale.ROOT,
                        "| %d | %s | %s | %s | %s | %s |%n",
                        r.index(),
                        r.layer(),
                        Arrays.toString(r.inputShape()),
                        Double.isNaN(r.estimate()) ? "—" : String.format(Locale.ROOT, "%.6f", r.estimate()),
                        r.bounded() ? String.format(Locale.ROOT, "%.6f", r.bound()) : "not computed",
                        r.how()));
            }
            if (unbounded().isEmpty()) {
                b.append(String.format(
                        Locale.ROOT,
                        "%nL ≤ %.6f (product of the bounds); with the head's pairwise factor L ≤ %.6f; %s;"
                                + " certificate factor c = %.6f (with the pairwise factor %.6f, so c·L = %.6f)%n",
                        lipschitzBound(),
                        pairwiseLipschitzBound(),
                        Double.isNaN(estimateProduct())
                                ? "no power iterations"
                                : String.format(
                                        Locale.ROOT, "product of the power-iteration values %.6f", estimateProduct()),
                        certificateFactor,
                        marginCertificateFactor(),
                        marginCertificateFactor() * lipschitzBound()));
            } else {
                b.append("\nno bound of L: not bounded "
                        + unbounded().stream()
                                .map(r -> r.index() + " " + r.layer())
                                .toList()
                        + "\n");
            }
            return b.toString();
        }
    }

    private LipschitzAudit() {}

    /** Audits the checkpoint at {@code dir}. */
    public static Audit audit(Path dir) {
        return audit(FrozenCheckpoint.read(dir));
    }

    /** Audits a checkpoint already read, with an estimate from below next to every bound. */
    public static Audit audit(FrozenCheckpoint checkpoint) {
        return audit(
                checkpoint.architecture(),
                checkpoint.layerInputShapes(),
                checkpoint.parameters(),
                checkpoint.logits(),
                true);
    }

    /** The sound bounds alone of a checkpoint already read (every estimate NaN): seconds instead of a minute. */
    public static Audit bounds(FrozenCheckpoint checkpoint) {
        return audit(
                checkpoint.architecture(),
                checkpoint.layerInputShapes(),
                checkpoint.parameters(),
                checkpoint.logits(),
                false);
    }

    /**
     * The sound bounds alone (no power iteration: every estimate is NaN), from an architecture's layers, the input
     * shape of each and their frozen inference parameters: what an export needs before it records L.
     */
    public static Audit bounds(
            Architecture architecture, List<long[]> layerInputShapes, List<List<Param>> params, int logits) {
        return audit(architecture, layerInputShapes, params, logits, false);
    }

    static Audit audit(
            Architecture architecture,
            List<long[]> layerInputShapes,
            List<List<Param>> params,
            int logits,
            boolean estimates) {
        List<Layer> layers = architecture.layers();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            long[] in = layerInputShapes.get(i);
            rows.add(row(i, layers.get(i), in, params.get(i), estimates));
        }
        return new Audit(List.copyOf(rows), architecture.certificateFactor(logits));
    }

    public static Row row(int index, Layer layer, long[] in, List<Param> params, boolean estimates) {
        String name = layer.describe();
        if (layer instanceof GroupSort2
                || layer instanceof ReLU
                || layer instanceof Flatten
                || layer instanceof InvertibleDownSampling) {
            return new Row(index, name, in, 1, 1, "1: permutation / reshape");
        }
        if (layer instanceof ScaledL2NormPooling2D || layer instanceof MaxPooling2D) {
            return new Row(index, name, in, 1, 1, "1: disjoint windows, each 1-Lipschitz");
        }
        if (layer instanceof ScaledGlobalAveragePooling2D) {
            double hw = in[0] * in[1];
            double norm = (float) Math.sqrt(hw) / Math.sqrt(hw);
            return new Row(index, name, in, norm, norm, "float(√(HW))/√(HW)");
        }
        if (layer instanceof GlobalAveragePooling2D) {
            double norm = 1 / Math.sqrt(in[0] * in[1]);
            return new Row(index, name, in, norm, norm, "1/√(HW)");
        }
        if (layer instanceof SpectralDense || layer instanceof Dense) {
            Param w = params.get(0);
            double[] m = toDouble(w.values());
            double bound = MatrixSpectrum.sigmaMaxBound(m, w.rows(), w.cols());
            if (!estimates) return new Row(index, name, in, Double.NaN, bound, "σ_max(W): Gram iteration");
            MatrixSpectrum.PowerIteration p =
                    MatrixSpectrum.sigmaMaxPowerIteration(m, w.rows(), w.cols(), MAX_ITERATIONS, TOLERANCE, SEED);
            return new Row(index, name, in, p.sigma(), bound, "σ_max(W): Gram iteration; " + iterations(p));
        }
        if (layer instanceof FrobeniusDense) {
            Param w = params.get(0);
            double[] head = headNorms(w);
            return new Row(
                    index,
                    name,
                    in,
                    head[0],
                    head[0] * (1 + MatrixSpectrum.ROUNDING_MARGIN),
                    w.cols() > 1 ? head[1] * (1 + MatrixSpectrum.ROUNDING_MARGIN) : Double.NaN,
                    String.format(Locale.ROOT, "max_k ‖w_k‖ (pairwise max ‖w_k − w_j‖/2 = %.6f)", head[1]));
        }
        if (layer instanceof BatchNormalization) {
            double max = 0;
            for (float v : params.get(0).values()) max = Math.max(max, Math.abs(v));
            return new Row(index, name, in, max, max, "max |scale|: a diagonal map");
        }
        if (layer instanceof SpectralConv2D || layer instanceof Conv2D) {
            ConvolutionSpectrum.Kernel kernel = kernel(params.get(0));
            int h = (int) in[0], w = (int) in[1];
            double bound = ConvolutionSpectrum.dftBound(kernel, h, w);
            String how = "max_ω σ_max(K̂(ω)) on " + (h + kernel.kh() - 1) + "×" + (w + kernel.kw() - 1);
            if (!estimates) return new Row(index, name, in, Double.NaN, bound, how);
            MatrixSpectrum.PowerIteration p =
                    ConvolutionSpectrum.zeroPaddedNorm(kernel, h, w, MAX_ITERATIONS, TOLERANCE, SEED);
            return new Row(index, name, in, p.sigma(), bound, how + "; " + iterations(p));
        }
        if (layer instanceof OrthogonalConv2D) {
            return orthogonalRow(index, name, in, kernel(params.get(0)), estimates);
        }
        return new Row(index, name, in, Double.NaN, Double.NaN, "not computed");
    }

    /**
     * An {@link OrthogonalConv2D}: y = p_T(A)·x' / c_T + b, A = conv(·, S) with S skew (exactly, in float: the
     * subtraction K − K* and the common scaling are antisymmetric), x' the input padded with zero channels and y's
     * channels a prefix, both 1-Lipschitz. p_T(A) is normal, so ‖p_T(A)‖ ≤ max_{|λ| ≤ ‖A‖} |p_T(iλ)| ≤
     * {@link OrthogonalConv2D#taylorNormBound}(T, a) for any a ≥ ‖A‖; a is the DFT bound of S. The layer's bound is
     * that over c_T: at most 1 whenever a ≤ ρ·slack, the condition the layer's power iteration is trusted to meet.
     */
    static Row orthogonalRow(int index, String name, long[] in, ConvolutionSpectrum.Kernel s, boolean estimates) {
        int h = (int) in[0], w = (int) in[1];
        int terms = OrthogonalConv2D.INFER_TERMS;
        double a = ConvolutionSpectrum.dftBound(s, h, w);
        double c =
                Math.max(1, OrthogonalConv2D.taylorNormBound(terms, OrthogonalConv2D.RHO * OrthogonalConv2D.RHO_SLACK));
        double bound = OrthogonalConv2D.taylorNormBound(terms, a) / c;
        String how = String.format(
                Locale.ROOT,
                "p_%d(A)/c_T with ‖A‖ ≤ %.6f (max_ω σ_max(Ŝ(ω)) on %d×%d)",
                terms,
                a,
                h + s.kh() - 1,
                w + s.kw() - 1);
        return new Row(index, name, in, Double.NaN, bound, how);
    }

    static ConvolutionSpectrum.Kernel kernel(Param k) {
        long[] s = k.shape();
        return new ConvolutionSpectrum.Kernel((int) s[0], (int) s[1], (int) s[2], (int) s[3], toDouble(k.values()));
    }

    private static String iterations(MatrixSpectrum.PowerIteration p) {
        return p.iterations() + (p.converged() ? " power iterations" : " power iterations, not converged");
    }

    /** max_k ‖w_k‖ and max_{k≠j} ‖w_k − w_j‖ / 2 over the columns of the head's kernel {@code [in, units]}. */
    static double[] headNorms(Param w) {
        int rows = w.rows(), cols = w.cols();
        float[] v = w.values();
        double max = 0, pair = 0;
        for (int k = 0; k < cols; k++) {
            double s = 0;
            for (int r = 0; r < rows; r++) s += (double) v[r * cols + k] * v[r * cols + k];
            max = Math.max(max, Math.sqrt(s));
            for (int j = k + 1; j < cols; j++) {
                double d = 0;
                for (int r = 0; r < rows; r++) {
                    double e = (double) v[r * cols + k] - v[r * cols + j];
                    d += e * e;
                }
                pair = Math.max(pair, Math.sqrt(d) / 2);
            }
        }
        return new double[] {max, pair};
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    /**
     * {@code LipschitzAudit CHECKPOINT [DATA_DIR [N]]}: the audit as a Markdown table on stdout; with a data directory,
     * also the certified accuracy at ε = 36/255 on the first N (default 1,000) test images of the checkpoint's data set,
     * with the recorded L, with the audited bound and with the bound that uses the head's pairwise factor.
     */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: LipschitzAudit CHECKPOINT [DATA_DIR [N]]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        FrozenCheckpoint checkpoint = FrozenCheckpoint.read(dir);
        Audit audit = audit(checkpoint);
        System.out.print(audit.toMarkdown());
        if (args.length == 1 || !audit.unbounded().isEmpty()) return;
        int n = args.length == 3 ? Integer.parseInt(args[2]) : 1000;
        TrainingConfig config = TrainingConfig.builder()
                .setDataset(checkpoint.metadata().training().get("dataset").asText())
                .optDataDir(Path.of(args[1]))
                .optTestLimit(n)
                .setEpochs(1)
                .setOut(dir)
                .build();
        Dataset test = DataSources.load(config).test();
        double recorded = checkpoint.metadata().lipschitzConstant();
        double eps = RobustnessEvaluation.EPSILONS[0];
        try (ReloadedModel model = new ReloadedModel(dir, checkpoint.inputShape(), checkpoint.logits())) {
            double[] constants = audit.pairwiseLipschitzBound() == audit.lipschitzBound()
                    ? new double[] {recorded, audit.lipschitzBound()}
                    : new double[] {recorded, audit.lipschitzBound(), audit.pairwiseLipschitzBound()};
            for (double l : constants) {
                RobustnessEvaluation e = Evaluator.evaluate(model, test, l, audit.certificateFactor(), false);
                System.out.printf(
                        Locale.ROOT,
                        "L = %.6f: accuracy %.4f, certified accuracy at ε = 36/255 %.4f (%d test images)%n",
                        l,
                        e.testAccuracy(),
                        e.certifiedAccuracy().get(eps),
                        test.size());
            }
        }
    }
}
