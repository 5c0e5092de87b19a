package io.otnn.trainer.diagnostics;

import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.Explainer;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.data.DataSources;
import io.otnn.trainer.data.Dataset;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The paper's Prop. 1–2 on test images, as the explainer computes them (explain-core's {@link Explainer}, toward the
 * runner-up class): the boundary residual |g(x_δ)| at x_δ = x − g ∇g / ‖∇g‖² (0 for an exactly gradient-norm
 * preserving OTNN) and the share of counterfactuals x − t g ∇g / ‖∇g‖² that the model gives the target class.
 */
public final class CounterfactualFigures {

    /** Mean and max |g(x_δ)|, and the share of counterfactuals reaching their target, at step factor t. */
    public record Figures(int images, double t, double meanResidual, double maxResidual, double reachedShare) {

        public String toMarkdown() {
            return String.format(
                    Locale.ROOT,
                    "%d test images, t = %.1f: |g(x_δ)| mean %.4f, max %.4f; counterfactuals reaching their target %.1f %%%n",
                    images,
                    t,
                    meanResidual,
                    maxResidual,
                    100 * reachedShare);
        }
    }

    private static final int BATCH = 100;

    private CounterfactualFigures() {}

    public static Figures measure(Path checkpoint, Dataset test, double t) {
        try (OtnnModel model = OtnnModel.load(checkpoint);
                Explainer explainer = model.newExplainer().withT(t)) {
            int n = test.size();
            int size = test.imageSize();
            double sum = 0, max = 0;
            int reached = 0;
            for (int start = 0; start < n; start += BATCH) {
                int m = Math.min(BATCH, n - start);
                float[][] images = new float[m][];
                for (int i = 0; i < m; i++) {
                    images[i] = Arrays.copyOfRange(test.images(), (start + i) * size, (start + i + 1) * size);
                }
                List<ImageExplanation> out = explainer.explain(images);
                for (ImageExplanation e : out) {
                    double r = Math.abs(e.boundaryResidual());
                    sum += r;
                    max = Math.max(max, r);
                    if (e.counterfactualReachesTarget()) reached++;
                }
            }
            return new Figures(n, t, sum / n, max, reached / (double) n);
        }
    }

    /** {@code CounterfactualFigures CHECKPOINT DATA_DIR [N] [T]}: the figures on the first N (1,000) test images. */
    public static void main(String[] args) {
        if (args.length < 2 || args.length > 4) {
            System.err.println("usage: CounterfactualFigures CHECKPOINT DATA_DIR [N] [T]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        ModelMetadata metadata = ModelMetadata.read(dir.resolve(ModelMetadata.FILE_NAME));
        int n = args.length >= 3 ? Integer.parseInt(args[2]) : 1000;
        double t = args.length == 4 ? Double.parseDouble(args[3]) : Explainer.DEFAULT_T;
        TrainingConfig config = TrainingConfig.builder()
                .setDataset(metadata.training().get("dataset").asText())
                .optDataDir(Path.of(args[1]))
                .optTestLimit(n)
                .setEpochs(1)
                .setOut(dir)
                .build();
        System.out.print(measure(dir, DataSources.load(config).test(), t).toMarkdown());
    }
}
