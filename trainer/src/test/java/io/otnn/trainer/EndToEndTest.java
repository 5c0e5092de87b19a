package io.otnn.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.checkpoint.CheckpointManifest;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.trainer.export.ReloadedModel;
import io.otnn.trainer.losses.LossSpec;
import io.otnn.trainer.train.LearningRateSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trains the dense OTNN on the committed fixture for one epoch, publishes, and checks the checkpoint from the outside:
 * manifest, metadata, the reloaded signatures, accuracy above chance and gradient norms within the bound.
 */
class EndToEndTest {

    @TempDir
    Path tmp;

    @Test
    void shouldPublishAVerifiedCheckpointWhenDenseOtnnTrainsOneEpochOnTheFixture() throws Exception {
        Path out = tmp.resolve("ckpt");
        TrainingResult result = new Trainer()
                .train(TrainingConfig.builder()
                        .setDataset("fashion-mnist")
                        .optDataDir(Fixtures.fashionMnistMini())
                        .optArchitecture("dense")
                        .optLoss(LossSpec.Kind.HKR_SOFTMAX)
                        .setEpochs(1)
                        .optSchedule(LearningRateSchedule.constant(1e-3))
                        .setOut(out)
                        .build());

        assertThat(result.checkpoint()).isEqualTo(out.toAbsolutePath());
        assertThat(result.evaluation().testAccuracy()).isGreaterThan(0.5); // chance is 0.1
        CheckpointManifest manifest = CheckpointManifest.read(out);
        manifest.verify(out);
        assertThat(manifest.digests()).containsKeys("saved_model.pb", ModelMetadata.FILE_NAME);
        assertThat(manifest.digest()).isEqualTo(result.manifestDigest());

        ModelMetadata meta = ModelMetadata.read(out.resolve(ModelMetadata.FILE_NAME));
        assertThat(meta.task()).isEqualTo(ModelMetadata.Task.MULTICLASS);
        assertThat(meta.classNames()).hasSize(10).startsWith("T-shirt/top");
        // the recorded L against the product of the kernels' largest singular values (Jacobi SVD, not the audit's
        // Gram iteration): never below it, and 1 up to Björck's residual
        double svdProduct = kernelSingularValueProduct(out, meta);
        assertThat(meta.lipschitzConstant())
                .isGreaterThanOrEqualTo(svdProduct * (1 - 1e-9))
                .isCloseTo(svdProduct, within(1e-5))
                .isCloseTo(1.0, within(1e-3));
        assertThat(meta.architecture().get("lipschitz").get("sound").asBoolean())
                .isTrue();
        assertThat(meta.certificateFactor()).isCloseTo(Math.sqrt(2), within(1e-12));
        assertThat(meta.training().get("trainSize").asInt()).isEqualTo(1800);
        assertThat(meta.training().get("testSize").asInt()).isEqualTo(500);
        assertThat(meta.version()).isEqualTo(1);

        // the gradients of an OTNN have norm ~1 (Björck + GroupSort2 preserve gradient norms) and never more
        double[] g = result.evaluation().gradientNorm();
        assertThat(g[2]).isLessThanOrEqualTo(1 + 1e-3);
        assertThat(g[1]).isGreaterThan(0.9);

        // the checkpoint as a consumer sees it: explain_to with target = prediction gives a zero margin gradient
        var test = io.otnn.trainer.data.DataSources.readIdx(
                Fixtures.fashionMnistMini(), "t10k", io.otnn.datasets.DataSetNames.FASHION_MNIST_CLASSES);
        int n = 4;
        float[] x = Arrays.copyOf(test.images(), n * 784);
        try (ReloadedModel m = new ReloadedModel(out, new long[] {28, 28, 1}, 10)) {
            assertMetadataMatchesADirectEvaluation(
                    meta, DirectEvaluation.of(m, test, 10, meta.lipschitzConstant(), Math.sqrt(2)));
            var e = m.explain(x, n);
            int[] pred = new int[n];
            for (int i = 0; i < n; i++) {
                for (int k = 1; k < 10; k++) if (e.logits()[i * 10 + k] > e.logits()[i * 10 + pred[i]]) pred[i] = k;
            }
            var same = m.explainTo(x, n, pred);
            for (float v : same.gradMargin()) assertThat(v).isEqualTo(0f);
            assertThat(same.gradTop1()).containsExactly(e.gradTop1());

            float[] probe = Arrays.copyOf(test.images(), 32 * 784);
            var top = m.explain(probe, 32);
            int[] first = new int[32];
            int[] last = new int[32];
            for (int i = 0; i < 32; i++) {
                for (int k = 1; k < 10; k++) {
                    if (top.logits()[i * 10 + k] > top.logits()[i * 10 + first[i]]) first[i] = k;
                    if (top.logits()[i * 10 + k] < top.logits()[i * 10 + last[i]]) last[i] = k;
                }
            }
            assertGradientMatchesFiniteDifferencesOfServing(m, probe, 32, top.gradTop1(), first, null);
            // explain_to for a target that is not the prediction (the least likely class): ∇(f_top1 − f_target)
            var to = m.explainTo(probe, 32, last);
            assertThat(to.gradTop1()).containsExactly(top.gradTop1());
            assertGradientMatchesFiniteDifferencesOfServing(m, probe, 32, to.gradMargin(), first, last);
            // the runner-up as an explicit target gives explain's own margin gradient
            int[] second = new int[32];
            for (int i = 0; i < 32; i++) {
                second[i] = first[i] == 0 ? 1 : 0;
                for (int k = 0; k < 10; k++) {
                    if (k != first[i] && top.logits()[i * 10 + k] > top.logits()[i * 10 + second[i]]) second[i] = k;
                }
            }
            assertThat(m.explainTo(probe, 32, second).gradMargin()).containsExactly(top.gradMargin());
        }

        // publishing again to the same place increments the version
        TrainingResult again = new Trainer()
                .train(TrainingConfig.builder()
                        .setDataset("fashion-mnist")
                        .optDataDir(Fixtures.fashionMnistMini())
                        .optLimit(300)
                        .setEpochs(1)
                        .setOut(out)
                        .optValidationFraction(0)
                        .build());
        assertThat(again.metadata().version()).isEqualTo(2);
        assertThat(Files.exists(out.resolveSibling("ckpt.state").resolve("state.json")))
                .isTrue();
    }

    /**
     * The check as stated: on a trained checkpoint, the whole {@code explain} gradient against central
     * differences of {@code serving_default} in every coordinate, relative error ‖D − ∇f‖ / ‖∇f‖ below 1e-3. The
     * network is piecewise linear: a coordinate whose step ±h crosses a GroupSort kink has no derivative to compare
     * there, which its second difference f(x+h) − 2f(x) + f(x−h) ≠ 0 shows; such coordinates are left out of the norm.
     * An image where more than 2 % of the coordinates show a kink lies on one itself (no gradient there) and is not
     * compared; at most 2 of the 8 may. A narrow OTNN (784-64-64-10) keeps float32 rounding of its logits under what
     * 1e-3 needs.
     */
    @Test
    void shouldMatchFiniteDifferencesOfServingWhenTheExplainGradientOfATrainedCheckpointIsChecked() throws Exception {
        Path out = tmp.resolve("narrow");
        new Trainer()
                .train(TrainingConfig.builder()
                        .setDataset("fashion-mnist")
                        .optDataDir(Fixtures.fashionMnistMini())
                        .optLimit(512)
                        .optTestLimit(100)
                        .optWidthMultiplier(0.125)
                        .setEpochs(2)
                        .setOut(out)
                        .build());
        var test = io.otnn.trainer.data.DataSources.readIdx(
                Fixtures.fashionMnistMini(), "t10k", io.otnn.datasets.DataSetNames.FASHION_MNIST_CLASSES);
        int d = 784;
        double h = 5e-3;
        // |second difference| on one linear piece is float32 rounding: measured ≤ 1e-6 on this network
        double linearTolerance = 3e-6;
        int onAKink = 0;
        try (ReloadedModel m = new ReloadedModel(out, new long[] {28, 28, 1}, 10)) {
            for (int i = 0; i < 8; i++) {
                float[] x = Arrays.copyOfRange(test.images(), i * d, (i + 1) * d);
                var e = m.explain(x, 1);
                int k = 0;
                for (int c = 1; c < 10; c++) if (e.logits()[c] > e.logits()[k]) k = c;
                float[] probes = new float[(2 * d + 1) * d];
                for (int p = 0; p < d; p++) {
                    System.arraycopy(x, 0, probes, 2 * p * d, d);
                    System.arraycopy(x, 0, probes, (2 * p + 1) * d, d);
                    probes[2 * p * d + p] += (float) h;
                    probes[(2 * p + 1) * d + p] -= (float) h;
                }
                System.arraycopy(x, 0, probes, 2 * d * d, d);
                float[] logits = m.logits(probes, 2 * d + 1);
                double center = logits[2 * d * 10 + k];
                double err = 0;
                double norm = 0;
                int kinks = 0;
                for (int p = 0; p < d; p++) {
                    double plus = logits[2 * p * 10 + k];
                    double minus = logits[(2 * p + 1) * 10 + k];
                    if (Math.abs(plus - 2 * center + minus) > linearTolerance) {
                        kinks++;
                        continue;
                    }
                    double fd = (plus - minus) / (2 * h);
                    err += Math.pow(fd - e.gradTop1()[p], 2);
                    norm += Math.pow(e.gradTop1()[p], 2);
                }
                if (kinks > d / 50) {
                    onAKink++; // x itself sits on a kink (two GroupSort inputs tied): ∇f is not defined there
                    continue;
                }
                assertThat(Math.sqrt(err / norm)).as("image %d", i).isLessThan(1e-3);
            }
            assertThat(onAKink).as("images lying on a kink").isLessThanOrEqualTo(2);
        }
    }

    /** Π σ_max(W) over the SpectralDense kernels {@code layer<i>/w0} of the SavedModel, each by Jacobi SVD. */
    static double kernelSingularValueProduct(Path checkpoint, ModelMetadata meta) {
        double product = 1;
        var layers = meta.architecture().get("layers");
        try (org.tensorflow.SavedModelBundle bundle =
                org.tensorflow.SavedModelBundle.load(checkpoint.toString(), io.otnn.checkpoint.SignatureContract.TAG)) {
            for (int i = 0; i < layers.size(); i++) {
                if (!layers.get(i).asText().startsWith("SpectralDense")) continue;
                try (org.tensorflow.Result r =
                        bundle.session().runner().fetch("layer" + i + "/w0").run()) {
                    io.otnn.trainer.layers.Param k =
                            io.otnn.trainer.layers.Param.of((org.tensorflow.types.TFloat32) r.get(0));
                    double[][] a = new double[k.rows()][k.cols()];
                    for (int x = 0; x < k.rows(); x++)
                        for (int y = 0; y < k.cols(); y++) a[x][y] = k.values()[x * k.cols() + y];
                    if (k.rows() < k.cols()) a = io.otnn.trainer.layers.TestMatrices.transpose(a);
                    product *= Arrays.stream(io.otnn.trainer.layers.TestMatrices.jacobiSvd(a)
                                    .s())
                            .max()
                            .orElseThrow();
                }
            }
        }
        return product;
    }

    /**
     * The published figures against the same figures computed directly from {@code serving_default} on the same test
     * images ({@link DirectEvaluation}): nothing here reads the trainer's {@code Evaluation}.
     */
    static void assertMetadataMatchesADirectEvaluation(ModelMetadata meta, DirectEvaluation direct) {
        assertThat(meta.evaluationFigure("testAccuracy")).isCloseTo(direct.accuracy(), within(1e-12));
        var certified = meta.evaluation().get("certifiedAccuracy");
        assertThat(certified.size()).isEqualTo(3);
        for (double eps : new double[] {36.0 / 255.0, 0.5, 1.0}) {
            assertThat(certified.get(Double.toString(eps)).asDouble())
                    .as("certified accuracy at %s", eps)
                    .isCloseTo(direct.certifiedAccuracy(eps), within(1e-12));
        }
        assertThat(meta.evaluationFigure("meanCertificate")).isCloseTo(direct.meanCertificate(), within(1e-6));
        assertThat(meta.reference().get("meanCertificate").asDouble())
                .isCloseTo(direct.meanCertificate(), within(1e-6));
        var quantiles = meta.reference().get("certificateQuantiles");
        assertThat(quantiles.size()).isEqualTo(5);
        for (double q : new double[] {0.1, 0.25, 0.5, 0.75, 0.9}) {
            assertThat(quantiles.get(Double.toString(q)).asDouble())
                    .as("certificate quantile %s", q)
                    .isCloseTo(direct.certificateQuantile(q), within(1e-6));
        }
        var reference = meta.reference();
        int n = direct.certificates().length;
        assertThat(reference.get("testSize").asInt()).isEqualTo(n);
        long countSum = 0;
        for (int c = 0; c < direct.predictedPriors().length; c++) {
            long count = reference.get("predictedClassCounts").get(c).asLong();
            assertThat((double) count).isCloseTo(direct.predictedPriors()[c] * n, within(1e-6));
            countSum += count;
        }
        assertThat(countSum).isEqualTo(n);
        // the certificate sample: min(n, 1000) distinct test images' certificates (a sample without replacement)
        var sample = reference.get("certificateSample");
        assertThat(sample.size()).isEqualTo(Math.min(n, 1000));
        java.util.List<Double> pool = new java.util.ArrayList<>();
        for (double v : direct.certificates()) pool.add(v);
        double previous = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < sample.size(); i++) {
            double v = sample.get(i).asDouble();
            assertThat(v).as("sorted").isGreaterThanOrEqualTo(previous);
            previous = v;
            int at = -1;
            for (int j = 0; j < pool.size() && at < 0; j++) if (Math.abs(pool.get(j) - v) <= 1e-6) at = j;
            assertThat(at)
                    .as("sample value %s is a test certificate not used before", v)
                    .isNotNegative();
            pool.remove(at);
        }
        for (int c = 0; c < direct.classPriors().length; c++) {
            assertThat(meta.reference().get("classPriors").get(c).asDouble())
                    .isCloseTo(direct.classPriors()[c], within(1e-9));
            assertThat(meta.reference().get("predictedClassPriors").get(c).asDouble())
                    .isCloseTo(direct.predictedPriors()[c], within(1e-9));
        }
    }

    /**
     * An input gradient of the trained checkpoint against central differences of {@code serving_default}: of f_plus
     * when {@code minus} is null, else of f_plus − f_minus (per image). Along the gradient's own direction and 15
     * random unit directions u per image, the error of ∇ seen along u, |D_u s − ⟨∇s, u⟩| / ‖∇s‖, must have a median
     * below 5e-3 and stay below 2e-2 in every direction. The floor is float32: the logits of a trained 784-512-512-10
     * network carry rounding of ~1e-5, so a central difference with h = 1e-2 is only good to ~1e-3 (one image measured a
     * median of 2.6e-3); smaller steps are worse (rounding), larger ones cross GroupSort kinks. explain-core checks 1e-3
     * on a small network where float32 allows it. Directions rather than the 784 coordinates: in float32, a coordinate
     * step small enough not to cross a GroupSort kink drowns in rounding of the logits, while along a direction a step
     * of 1e-2 moves the logits far above their rounding.
     */
    private static void assertGradientMatchesFiniteDifferencesOfServing(
            ReloadedModel m, float[] x, int n, float[] gradient, int[] plus, int[] minus) {
        int d = 784;
        int directions = 16;
        double h = 1e-2;
        java.util.Random random = new java.util.Random(7);
        float[] probes = new float[n * directions * 2 * d];
        double[][][] units = new double[n][directions][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < directions; j++) {
                double norm = 0;
                for (int p = 0; p < d; p++) {
                    units[i][j][p] = j == 0 ? gradient[i * d + p] : random.nextGaussian();
                    norm += units[i][j][p] * units[i][j][p];
                }
                for (int p = 0; p < d; p++) {
                    units[i][j][p] /= Math.sqrt(norm);
                    int row = ((i * directions + j) * 2) * d + p;
                    probes[row] = (float) (x[i * d + p] + h * units[i][j][p]);
                    probes[row + d] = (float) (x[i * d + p] - h * units[i][j][p]);
                }
            }
        }
        float[] logits = m.logits(probes, n * directions * 2);
        for (int i = 0; i < n; i++) {
            double gradientNorm = 0;
            for (int p = 0; p < d; p++) gradientNorm += gradient[i * d + p] * gradient[i * d + p];
            gradientNorm = Math.sqrt(gradientNorm);
            assertThat(gradientNorm).as("image %d, a gradient to compare", i).isGreaterThan(0.5);
            double[] errors = new double[directions];
            for (int j = 0; j < directions; j++) {
                int row = (i * directions + j) * 2;
                double up = logits[row * 10 + plus[i]] - (minus == null ? 0 : logits[row * 10 + minus[i]]);
                double down =
                        logits[(row + 1) * 10 + plus[i]] - (minus == null ? 0 : logits[(row + 1) * 10 + minus[i]]);
                double fd = (up - down) / (2 * h);
                double exact = 0;
                for (int p = 0; p < d; p++) exact += gradient[i * d + p] * units[i][j][p];
                errors[j] = Math.abs(fd - exact) / gradientNorm;
            }
            Arrays.sort(errors);
            assertThat(errors[directions / 2])
                    .as("image %d, median over directions", i)
                    .isLessThan(5e-3);
            // a step that crosses a GroupSort kink leaves the linear piece: allowed, but not far off
            assertThat(errors[directions - 1])
                    .as("image %d, worst direction", i)
                    .isLessThan(2e-2);
        }
    }
}
