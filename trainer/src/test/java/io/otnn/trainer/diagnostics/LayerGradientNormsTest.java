package io.otnn.trainer.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.otnn.trainer.Fixtures;
import io.otnn.trainer.Trainer;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.TrainingResult;
import io.otnn.trainer.data.DataSources;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layer-by-layer profile of a briefly trained tiny cnn: its input gradients against the checkpoint's own
 * {@code explain} signature (the evaluation in its metadata), the ratios of the layers that preserve the gradient's norm
 * exactly (GroupSort2 permutes it; the scaled global average pooling spreads v/√(hw) over hw positions), and the
 * ratios' product against ‖∇ₓ f‖.
 */
class LayerGradientNormsTest {

    @TempDir
    Path tmp;

    @Test
    void shouldFindTheInputGradientOfTheExplainSignatureWhenTheCnnIsProfiled() throws Exception {
        TrainingConfig config = TrainingConfig.builder()
                .setDataset("fashion-mnist")
                .optDataDir(Fixtures.fashionMnistMini())
                .optArchitecture("cnn")
                .optWidthMultiplier(0.0625)
                .optLimit(256)
                .optTestLimit(50)
                .setEpochs(1)
                .setOut(tmp.resolve("cnn"))
                .build();
        TrainingResult r = new Trainer().train(config);

        LayerGradientNorms.Profile p = LayerGradientNorms.measure(
                r.checkpoint(), DataSources.load(config).test());

        double[] expected = r.evaluation().gradientNorm();
        assertThat(p.images()).isEqualTo(50);
        assertThat(p.inputGradientNorm()[0]).isCloseTo(expected[0], within(1e-4 * (1 + expected[0])));
        assertThat(p.inputGradientNorm()[1]).isCloseTo(expected[1], within(1e-4 * (1 + expected[1])));
        assertThat(p.inputGradientNorm()[2]).isCloseTo(expected[2], within(1e-4 * (1 + expected[2])));
        assertThat(p.rows()).hasSize(r.metadata().architecture().get("layers").size());
        LayerGradientNorms.Row last = p.rows().get(p.rows().size() - 1);
        assertThat(last.meanGradientNorm()).as("∂f_top1/∂logits is one-hot").isCloseTo(1.0, within(1e-6));
        double product = 1;
        for (LayerGradientNorms.Row row : p.rows()) {
            if (row.layer().equals("GroupSort2") || row.layer().equals("ScaledGlobalAveragePooling2D")) {
                assertThat(row.ratio()[0])
                        .as(row.layer() + " at " + row.index())
                        .isCloseTo(1.0, within(1e-4));
                assertThat(row.ratio()[2])
                        .as(row.layer() + " at " + row.index())
                        .isCloseTo(1.0, within(1e-4));
            }
            product *= row.ratio()[1];
        }
        // with one image the mean ratios multiply to ‖∇ₓ f‖ exactly; over 50 they stay within a factor of it
        assertThat(product).isBetween(expected[0] * 0.2, expected[2] * 5);
        assertThat(p.toMarkdown()).contains("| 13 | GroupSort2 | [7, 7, 16] |").contains("‖∇ₓ f_top1‖ over 50");
    }
}
