package io.otnn.explain.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.explain.Explainer;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.input.ImageDecoder;
import io.otnn.explain.input.PixelFormat;
import io.otnn.explain.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code otnn explain-image}'s job from Java, without picocli. */
class ImageFileExplainerTest {

    @TempDir
    Path tmp;

    @Test
    void shouldGiveEachFileTheExplainersOwnResultAndWriteItsFolderWhenCalledFromJava() throws IOException {
        byte[] a = new byte[60];
        byte[] b = new byte[60];
        new Random(5).nextBytes(a);
        new Random(6).nextBytes(b);
        Path fileA = Files.write(tmp.resolve("a.u8"), a);
        Path fileB = Files.write(tmp.resolve("b.raw"), b);
        Path out = tmp.resolve("out");

        try (OtnnModel model = OtnnModel.load(Fixtures.groupSort())) {
            List<ImageFileExplainer.Result> results =
                    new ImageFileExplainer(-1, 2.0, new double[] {1, 3}).explain(model, List.of(fileA, fileB), out);

            ModelMetadata.Input in = model.metadata().input();
            ImageDecoder decoder = new ImageDecoder(model.metadata());
            float[][] x = {
                decoder.decode(PixelFormat.RAW_U8, a, in.width(), in.height(), in.channels()),
                decoder.decode(PixelFormat.RAW_U8, b, in.width(), in.height(), in.channels())
            };
            List<ImageExplanation> direct;
            try (Explainer explainer = model.newExplainer().withT(2.0)) {
                direct = explainer.explain(x);
            }
            assertThat(results).extracting(ImageFileExplainer.Result::image).containsExactly(fileA, fileB);
            for (int i = 0; i < 2; i++) {
                ImageExplanation e = results.get(i).explanation();
                assertThat(e.predicted()).isEqualTo(direct.get(i).predicted());
                assertThat(e.runnerUp()).isEqualTo(direct.get(i).runnerUp());
                assertThat(e.radius()).isEqualTo(direct.get(i).radius());
                assertThat(e.scores()).containsExactly(direct.get(i).scores());
            }
        }
        assertThat(out.resolve("a/panel.png")).isRegularFile();
        assertThat(out.resolve("b/saliency.png")).isRegularFile();
        JsonNode summary =
                new ObjectMapper().readTree(out.resolve("a/explanation.json").toFile());
        assertThat(summary.get("counterfactuals"))
                .extracting(n -> n.get("t").asDouble())
                .containsExactly(1.0, 3.0);
        assertThat(new ObjectMapper().readTree(out.resolve("summary.json").toFile()))
                .hasSize(2);
    }

    @Test
    void shouldWriteNothingWhenAFileTypeIsUnknown() throws IOException {
        Path good = Files.write(tmp.resolve("good.u8"), new byte[60]);
        Path unknown = Files.write(tmp.resolve("notes.txt"), new byte[60]);
        try (OtnnModel model = OtnnModel.load(Fixtures.groupSort())) {
            assertThatThrownBy(() -> new ImageFileExplainer(-1, 2.0, new double[] {1})
                            .explain(model, List.of(good, unknown), tmp.resolve("out")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("notes.txt")
                    .hasMessageContaining("unknown image type");
        }
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void shouldRefuseAStepFactorThatIsNotPositiveWhenBuilt() {
        assertThatThrownBy(() -> new ImageFileExplainer(-1, 2.0, new double[] {1, 0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0.0");
        assertThatThrownBy(() -> new ImageFileExplainer(-1, 2.0, new double[] {Double.POSITIVE_INFINITY}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
