package io.otnn.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.checkpoint.SignatureContract;
import io.otnn.trainer.Fixtures;
import io.otnn.trainer.Trainer;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.TrainingResult;
import io.otnn.trainer.data.DataSources;
import io.otnn.trainer.data.Dataset;
import io.otnn.trainer.layers.Param;
import io.otnn.trainer.model.Presets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.proto.framework.SignatureDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The {@code gradcam} signature of a briefly trained tiny cnn (and cnn-soc, which has the same head) against Grad-CAM computed apart: A read from the graph,
 * α_k by the chain rule through the head's frozen weights in plain Java (checked to give the graph's logit), the
 * weighted sum, the ReLU and the half-pixel bilinear resize in plain Java. (Finite differences are no use here: after
 * one epoch A is about 1e-3, the same size as the gaps between GroupSort2 pairs, and float32 cannot resolve smaller
 * steps.)
 */
class GradCamExportTest {

    /** Largest deviation from the computation apart, as a share of the image's largest CAM value (float32). */
    private static final double TOLERANCE = 1e-3;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"cnn", "cnn-soc"})
    void shouldMatchGradCamComputedFromTheGraphsPiecesWhenTheCnnIsExported(String preset) throws Exception {
        TrainingConfig config = TrainingConfig.builder()
                .setDataset("fashion-mnist")
                .optDataDir(Fixtures.fashionMnistMini())
                .optArchitecture(preset)
                .optWidthMultiplier(0.0625)
                .optLimit(256)
                .optTestLimit(64)
                .setEpochs(1)
                .setOut(tmp.resolve(preset))
                .build();
        TrainingResult r = new Trainer().train(config);
        assertThat(r.metadata().loss().get("name").asText()).isEqualTo("hkr-soft");
        assertThat(r.metadata()
                        .architecture()
                        .get(SignatureContract.SIGNATURES_FIELD)
                        .toString())
                .contains("\"gradcam\"");
        var soc = r.metadata().architecture().get("orthogonalConv2D");
        if (preset.equals("cnn-soc")) {
            assertThat(soc.get("inferenceTerms").asInt()).isEqualTo(12);
            assertThat(r.metadata().architecture().get("layers").get(0).asText())
                    .isEqualTo("OrthogonalConv2D(4, 3x3)");
        } else {
            assertThat(soc).isNull();
        }
        assertThat(SignatureContract.declaresGradCam(
                        ModelMetadata.read(r.checkpoint().resolve(ModelMetadata.FILE_NAME))))
                .isTrue();

        Dataset test = DataSources.load(config).test();
        int n = 6;
        int size = test.imageSize();
        float[] x = Arrays.copyOf(test.images(), n * size);
        int[] target = {0, 3, 5, 9, 1, 7};
        try (SavedModelBundle bundle = SavedModelBundle.load(r.checkpoint().toString(), SignatureContract.TAG)) {
            SignatureDef sig = bundle.metaGraphDef().getSignatureDefMap().get(SignatureContract.GRADCAM);
            assertThat(sig).as("gradcam signature").isNotNull();
            String images = sig.getInputsMap().get(SignatureContract.IMAGES).getName();
            String targetName = sig.getInputsMap().get(SignatureContract.TARGET).getName();
            String camName = sig.getOutputsMap().get(SignatureContract.CAM).getName();
            String logitsName =
                    sig.getOutputsMap().get(SignatureContract.LOGITS).getName();
            String aName = CheckpointExporter.GRADCAM_ACTIVATIONS + ":0";
            Session s = bundle.session();
            Param cam;
            Param a;
            Param logits;
            try (TFloat32 xt = new Param(new long[] {n, 28, 28, 1}, x).toTensor();
                    TInt32 tt = TInt32.vectorOf(target);
                    Result res = s.runner()
                            .feed(images, xt)
                            .feed(targetName, tt)
                            .fetch(camName)
                            .fetch(aName)
                            .fetch(logitsName)
                            .run()) {
                cam = Param.of((TFloat32) res.get(0));
                a = Param.of((TFloat32) res.get(1));
                logits = Param.of((TFloat32) res.get(2));
            }
            // the layers after A: ScaledGlobalAveragePooling2D, SpectralDense, GroupSort2, FrobeniusDense
            int first = r.metadata().architecture().get("gradcamLayer").asInt() + 1;
            Head head = new Head(
                    variable(s, "layer" + (first + 1) + "/w0"),
                    variable(s, "layer" + (first + 1) + "/w1"),
                    variable(s, "layer" + (first + 3) + "/w0"),
                    variable(s, "layer" + (first + 3) + "/w1"));
            assertThat(cam.shape()).containsExactly(n, 28, 28);
            long[] as = a.shape();
            int h = (int) as[1], w = (int) as[2], c = (int) as[3];
            assertThat(h).isEqualTo(7);
            int perImage = h * w * c;
            double largest = 0;
            for (int i = 0; i < n; i++) {
                float[] ai = Arrays.copyOfRange(a.values(), i * perImage, (i + 1) * perImage);
                double[] alpha = head.alpha(ai, h, w, c, target[i], logits.values(), i);
                double[][] small = new double[h][w];
                for (int y = 0; y < h; y++) {
                    for (int xx = 0; xx < w; xx++) {
                        double sum = 0;
                        for (int k = 0; k < c; k++) sum += alpha[k] * ai[(y * w + xx) * c + k];
                        small[y][xx] = Math.max(0, sum);
                    }
                }
                double[][] expected = resizeBilinearHalfPixel(small, 28, 28);
                double max = 0;
                for (double[] row : expected) for (double v : row) max = Math.max(max, v);
                largest = Math.max(largest, max);
                double worst = 0;
                for (int y = 0; y < 28; y++) {
                    for (int xx = 0; xx < 28; xx++) {
                        worst = Math.max(worst, Math.abs(cam.values()[(i * 28 + y) * 28 + xx] - expected[y][xx]));
                    }
                }
                assertThat(worst)
                        .as("largest |cam − Grad-CAM computed apart| of image %d (its largest value %s)", i, max)
                        .isLessThanOrEqualTo(TOLERANCE * max + 1e-7);
            }
            assertThat(largest).as("some class evidence on the images").isGreaterThan(1e-5);
        }
    }

    @Test
    void shouldExportGradCamOnlyWhenTheNetworkHasAConvolution() {
        assertThat(CheckpointExporter.signatures(Presets.create("dense", true, 1, 10)))
                .doesNotContain(SignatureContract.GRADCAM);
        assertThat(CheckpointExporter.signatures(Presets.create("cnn", true, 0.25, 10)))
                .endsWith(SignatureContract.GRADCAM);
        assertThat(Presets.create("cnn", true, 0.25, 10).gradCamLayer()).isEqualTo(13);
        assertThat(Presets.create("cnn-soc", true, 0.25, 10).gradCamLayer()).isEqualTo(13);
        assertThat(Presets.create("cnn", false, 0.25, 10).gradCamLayer()).isEqualTo(19);
        assertThat(Presets.create("dense", true, 1, 10).gradCamLayer()).isEqualTo(-1);
    }

    private static Param variable(Session s, String name) {
        try (Result res = s.runner().fetch(name).run()) {
            return Param.of((TFloat32) res.get(0));
        }
    }

    /**
     * The cnn's head after A in plain Java: p = √(hw)·mean(A) (scaled global average pooling), z = p W1 + b1,
     * GroupSort2, f = g W2 + b2; ∂f_t/∂p by the chain rule through the sorted pairs, and α_k = (1/hw) Σ_positions
     * ∂f_t/∂A = ∂f_t/∂p_k / √(hw).
     */
    record Head(Param w1, Param b1, Param w2, Param b2) {

        double[] alpha(float[] a, int h, int w, int c, int t, float[] logits, int image) {
            int units = (int) w1.shape()[1];
            int k = (int) w2.shape()[1];
            double scale = Math.sqrt(h * w);
            double[] p = new double[c];
            for (int pos = 0; pos < h * w; pos++) for (int ch = 0; ch < c; ch++) p[ch] += a[pos * c + ch];
            for (int ch = 0; ch < c; ch++) p[ch] = p[ch] / (h * w) * scale;
            double[] z = new double[units];
            for (int u = 0; u < units; u++) {
                z[u] = b1.values()[u];
                for (int ch = 0; ch < c; ch++) z[u] += p[ch] * w1.values()[ch * units + u];
            }
            double[] g = new double[units];
            double[] dz = new double[units];
            for (int j = 0; j < units; j += 2) {
                boolean swap = z[j] > z[j + 1];
                g[j] = Math.min(z[j], z[j + 1]);
                g[j + 1] = Math.max(z[j], z[j + 1]);
                dz[j] = w2.values()[(swap ? j + 1 : j) * k + t];
                dz[j + 1] = w2.values()[(swap ? j : j + 1) * k + t];
            }
            double f = b2.values()[t];
            for (int u = 0; u < units; u++) f += g[u] * w2.values()[u * k + t];
            assertThat(f)
                    .as("f_t of image %d from the head in Java", image)
                    .isCloseTo(logits[image * k + t], org.assertj.core.api.Assertions.within(1e-4 * (1 + Math.abs(f))));
            double[] alpha = new double[c];
            for (int ch = 0; ch < c; ch++) {
                double d = 0;
                for (int u = 0; u < units; u++) d += w1.values()[ch * units + u] * dz[u];
                alpha[ch] = d / scale;
            }
            return alpha;
        }
    }

    /** TF's bilinear resize with half-pixel centres: source (i + ½)·(in/out) − ½, clamped to the edge. */
    static double[][] resizeBilinearHalfPixel(double[][] in, int outH, int outW) {
        int h = in.length, w = in[0].length;
        double[][] out = new double[outH][outW];
        for (int y = 0; y < outH; y++) {
            double sy = (y + 0.5) * h / outH - 0.5;
            int y0 = (int) Math.floor(sy);
            double ly = sy - y0;
            int ya = Math.max(y0, 0), yb = Math.min(y0 + 1, h - 1);
            for (int x = 0; x < outW; x++) {
                double sx = (x + 0.5) * w / outW - 0.5;
                int x0 = (int) Math.floor(sx);
                double lx = sx - x0;
                int xa = Math.max(x0, 0), xb = Math.min(x0 + 1, w - 1);
                double top = in[ya][xa] + (in[ya][xb] - in[ya][xa]) * lx;
                double bottom = in[yb][xa] + (in[yb][xb] - in[yb][xa]) * lx;
                out[y][x] = top + (bottom - top) * ly;
            }
        }
        return out;
    }
}
