package io.otnn.explain.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code otnn evaluate}'s job from Java (the full runs are cli's CommandsTest). */
class ModelComparisonTest {

    @TempDir
    Path tmp;

    @Test
    void shouldNameTheValidDataSetsWhenTheDataSetIsUnknown() {
        assertThatThrownBy(() -> new ModelComparison("cifar-10", tmp, 10, 0, Stability.Ball.L2, 0.3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown data set 'cifar-10', valid: fashion-mnist, mnist, block-mnist");
    }

    @Test
    void shouldWriteTheTableAsMarkdownAndJsonWhenWritten() throws Exception {
        EvaluationTable table = new EvaluationTable();
        table.info("n", 3);
        table.put("m", "Saliency", "Stability", 0.25);
        ModelComparison.write(table, tmp.resolve("out"));
        table.seconds("m", "Saliency: maps", 1.5);
        table.seconds("m", "total", 2.0);
        table.cpuSeconds("m", "total", 3.2);
        table.unavailable("m", "GradCAM", "no gradcam signature");
        ModelComparison.write(table, tmp.resolve("out"));
        String md = Files.readString(tmp.resolve("out/evaluation.md"));
        assertThat(md)
                .startsWith(table.toMarkdown())
                .contains("| Saliency | 0.250 |")
                .contains("| GradCAM | n/a |")
                .contains("- GradCAM on m: no gradcam signature")
                .endsWith("| m | Saliency: maps | 1.5 | – |\n| m | total | 2.0 | 3.2 |\n");
        assertThat(Files.readString(tmp.resolve("out/evaluation.json")))
                .isEqualTo(table.toJsonWithSeconds())
                .contains("\"cpuSeconds\"");
        assertThat(table.toJson()).doesNotContain("seconds").contains("\"GradCAM\" : \"no gradcam signature\"");
    }
}
