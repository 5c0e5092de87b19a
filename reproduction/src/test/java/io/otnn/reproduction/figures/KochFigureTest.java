package io.otnn.reproduction.figures;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.explain.Explainer;
import io.otnn.explain.OtnnModel;
import io.otnn.reproduction.ReproductionConfig;
import io.otnn.reproduction.TestData;
import io.otnn.reproduction.models.ModelProvider;
import io.otnn.reproduction.models.ModelRole;
import io.otnn.reproduction.models.ModelRun;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.data.DataSources;
import io.otnn.trainer.data.Dataset;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figure 2 on a real 2D OTNN trained with TensorFlow on the Koch snowflakes: the drawn segments end on the learnt
 * boundary (Prop. 2), checked with a gradient computed here by central finite differences of {@code serving_default},
 * independently of the checkpoint's {@code explain} gradient that the figure uses.
 */
class KochFigureTest {

    @TempDir
    static Path tmp;

    static ModelRun koch;
    static Dataset test;
    static KochFigure.Result result;
    static Path png;

    @BeforeAll
    static void trainAndDraw() throws Exception {
        ReproductionConfig config = ReproductionConfig.builder()
                .setDataDir(TestData.dataDir(tmp.resolve("data")))
                .setOut(tmp.resolve("out"))
                .build();
        ModelProvider provider = new ModelProvider(config);
        koch = provider.obtain(ModelRole.KOCH);
        TrainingConfig training = provider.trainingConfig(ModelRole.KOCH);
        test = DataSources.load(training).test();
        png = tmp.resolve("koch.png");
        result = KochFigure.draw(koch.checkpoint(), test, 60, png);
    }

    @Test
    void shouldEndEverySegmentOnTheBoundaryWhenTheOtnnIsTrained() throws Exception {
        assertThat(result.segments()).hasSize(120);
        assertThat(result.segments().stream().filter(s -> s.label() == 1)).hasSize(60);
        assertThat(result.accuracy()).isGreaterThan(0.95);
        try (OtnnModel model = OtnnModel.load(koch.checkpoint());
                Explainer explainer = model.newExplainer()) {
            double h = 1e-3;
            double sum = 0;
            for (KochFigure.Segment s : result.segments()) {
                float[] x = s.x();
                float[] probes = {
                    (float) (x[0] + h),
                    x[1],
                    (float) (x[0] - h),
                    x[1],
                    x[0],
                    (float) (x[1] + h),
                    x[0],
                    (float) (x[1] - h),
                    x[0],
                    x[1]
                };
                float[] f = explainer.logits(probes, 5);
                assertThat(s.fx()).isCloseTo(f[4], within(1e-5f));
                // f is piecewise linear (GroupSort): the gradient at x is that of x's own piece, which a one-sided
                // difference measures unless a kink lies on its side; a centred one straddles a kink within h
                double g0 = onePieceSlope(s.grad()[0], (f[0] - f[4]) / h, (f[4] - f[1]) / h);
                double g1 = onePieceSlope(s.grad()[1], (f[2] - f[4]) / h, (f[4] - f[3]) / h);
                assertThat(s.grad()[0]).isCloseTo((float) g0, within(1e-2f));
                assertThat(s.grad()[1]).isCloseTo((float) g1, within(1e-2f));
                // x_δ = x − f(x)∇f(x) with the finite-difference gradient, and f there through serving_default
                float[] end = {(float) (x[0] - f[4] * g0), (float) (x[1] - f[4] * g1)};
                assertThat(s.xDelta()[0]).isCloseTo(end[0], within(2e-2f));
                assertThat(s.xDelta()[1]).isCloseTo(end[1], within(2e-2f));
                float fEnd = explainer.logits(end, 1)[0];
                assertThat(Math.abs(fEnd))
                        .as("|f(x_δ)| at %s", java.util.Arrays.toString(x))
                        .isLessThan(0.15f);
                sum += Math.abs(fEnd);
                // the point moved by |f(x)|: ‖∇f‖ ≈ 1 for an OTNN
                assertThat(Math.hypot(g0, g1)).isCloseTo(1.0, within(0.12));
            }
            assertThat(sum / result.segments().size()).isLessThan(0.05);
            assertThat(result.meanResidual()).isCloseTo(sum / result.segments().size(), within(5e-3));
        }
    }

    /** Of the forward and backward differences, the one closer to the analytic slope. */
    private static double onePieceSlope(float analytic, double forward, double backward) {
        return Math.abs(analytic - forward) <= Math.abs(analytic - backward) ? forward : backward;
    }

    @Test
    void shouldDrawThreePanelsWithTheBoundaryInRedWhenWritten() throws Exception {
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(3 * KochFigure.PANEL);
        assertThat(image.getHeight()).isEqualTo(KochFigure.HEADER + KochFigure.TITLE + KochFigure.PANEL);
        int red = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                if (((rgb >> 16) & 0xff) > 190 && ((rgb >> 8) & 0xff) < 80 && (rgb & 0xff) < 80) red++;
            }
        }
        // the boundary, drawn in each of the three panels, is a closed curve around the inner snowflake
        assertThat(red).isGreaterThan(3 * 300);
    }
}
