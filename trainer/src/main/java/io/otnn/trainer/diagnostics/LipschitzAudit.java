package io.otnn.trainer.diagnostics;

import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.data.DataSources;
import io.otnn.trainer.data.Dataset;
import io.otnn.trainer.eval.Evaluator;
import io.otnn.trainer.eval.RobustnessEvaluation;
import io.otnn.trainer.export.ReloadedModel;
import io.otnn.trainer.layers.Conv2D;
import io.otnn.trainer.layers.Dense;
import io.otnn.trainer.layers.Flatten;
import io.otnn.trainer.layers.FrobeniusDense;
import io.otnn.trainer.layers.GlobalAveragePooling2D;
import io.otnn.trainer.layers.GroupSort2;
import io.otnn.trainer.layers.InvertibleDownSampling;
import io.otnn.trainer.layers.Layer;
import io.otnn.trainer.layers.MaxPooling2D;
import io.otnn.trainer.layers.Param;
import io.otnn.trainer.layers.ReLU;
import io.otnn.trainer.layers.ScaledGlobalAveragePooling2D;
import io.otnn.trainer.layers.ScaledL2NormPooling2D;
import io.otnn.trainer.layers.SpectralConv2D;
import io.otnn.trainer.layers.SpectralDense;
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
 *   <li>Stride-1 convolutions: {@link ConvolutionSpectrum#dftBound} on the layer's input size.
 *   <li>FrobeniusDense head: the largest column norm max_k ‖w_k‖, the Lipschitz constant of each head f_k on its
 *       input; with c = 2 the margin f_k − f_j then moves by at most 2·max‖w_k‖ times the body's constant (the
 *       pairwise max ‖w_k − w_j‖ / 2, reported alongside, is what a pairwise certificate would use instead).
 *   <li>Exactly 1: GroupSort2, ReLU (permutations / pointwise 1-Lipschitz), Flatten, InvertibleDownSampling
 *       (permutations of the coordinates), ScaledL2NormPooling2D (each output √(‖window‖² + ε) is 1-Lipschitz in its
 *       window, and the windows are disjoint), MaxPooling2D (same argument).
 *   <li>ScaledGlobalAveragePooling2D: s·mean, s = √(HW) rounded to float: exactly s/√(HW) (1 when HW is a square);
 *       GlobalAveragePooling2D: 1/√(HW).
 * </ul>
 *
 * Any other layer (OrthogonalConv2D, BatchNormalization, strided convolutions) is reported as not bounded and the
 * product is then not given. Next to each bound the audit reports an estimate from below: the power iteration on the
 * layer's operator itself (for a convolution, the zero-padded one on the layer's input size).
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

        Row(int index, String layer, long[] inputShape, double estimate, double bound, String how) {
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
                        "| %d | %s | %s | %.6f | %s | %s |%n",
                        r.index(),
                        r.layer(),
                        Arrays.toString(r.inputShape()),
                        r.estimate(),
                        r.bounded() ? String.format(Locale.ROOT, "%.6f", r.bound()) : "not computed",
                        r.how()));
            }
            if (unbounded().isEmpty()) {
                b.append(String.format(
                        Locale.ROOT,
                        "%nL ≤ %.6f (product of the bounds); with the head's pairwise factor L ≤ %.6f;"
                                + " product of the power-iteration values %.6f; certificate factor c = %.6f%n",
                        lipschitzBound(),
                        pairwiseLipschitzBound(),
                        estimateProduct(),
                        certificateFactor));
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

    /** Audits a checkpoint already read. */
    public static Audit audit(FrozenCheckpoint checkpoint) {
        List<Layer> layers = checkpoint.architecture().layers();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            long[] in = checkpoint.layerInputShapes().get(i);
            long[] out = i + 1 < layers.size() ? checkpoint.layerInputShapes().get(i + 1) : null;
            rows.add(row(i, layers.get(i), in, out, checkpoint.parameters().get(i)));
        }
        return new Audit(List.copyOf(rows), checkpoint.architecture().certificateFactor(checkpoint.logits()));
    }

    static Row row(int index, Layer layer, long[] in, long[] out, List<Param> params) {
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
            MatrixSpectrum.PowerIteration p =
                    MatrixSpectrum.sigmaMaxPowerIteration(m, w.rows(), w.cols(), MAX_ITERATIONS, TOLERANCE, SEED);
            return new Row(
                    index,
                    name,
                    in,
                    p.sigma(),
                    MatrixSpectrum.sigmaMaxBound(m, w.rows(), w.cols()),
                    "σ_max(W): Gram iteration; " + iterations(p));
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
        if ((layer instanceof SpectralConv2D || layer instanceof Conv2D)
                && out != null
                && out[0] == in[0]
                && out[1] == in[1]) {
            Param k = params.get(0);
            long[] s = k.shape();
            ConvolutionSpectrum.Kernel kernel = new ConvolutionSpectrum.Kernel(
                    (int) s[0], (int) s[1], (int) s[2], (int) s[3], toDouble(k.values()));
            int h = (int) in[0], w = (int) in[1];
            MatrixSpectrum.PowerIteration p =
                    ConvolutionSpectrum.zeroPaddedNorm(kernel, h, w, MAX_ITERATIONS, TOLERANCE, SEED);
            return new Row(
                    index,
                    name,
                    in,
                    p.sigma(),
                    ConvolutionSpectrum.dftBound(kernel, h, w),
                    "max_ω σ_max(K̂(ω)) on " + (h + kernel.kh() - 1) + "×" + (w + kernel.kw() - 1) + "; "
                            + iterations(p));
        }
        return new Row(index, name, in, Double.NaN, Double.NaN, "not computed");
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
