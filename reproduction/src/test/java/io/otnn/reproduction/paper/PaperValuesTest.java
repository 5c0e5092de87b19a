package io.otnn.reproduction.paper;

import static io.otnn.reproduction.paper.PaperValues.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every transcribed value against the paper's own rows ({@code paper-tables.txt}: the tables' lines copied byte for
 * byte from the paper's text, tab-separated, bold marks and all), parsed here independently of {@link PaperValues}.
 */
class PaperValuesTest {

    static List<String> lines;

    @BeforeAll
    static void read() throws IOException {
        try (InputStream in = PaperValuesTest.class.getResourceAsStream("/io/otnn/reproduction/paper-tables.txt")) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .toList();
        }
    }

    /** A cell without the paper's bold marks and Saliency rank. */
    static String clean(String cell) {
        return cell.replace("<b>", "")
                .replace("</b>", "")
                .replaceAll(" \\(Rk\\d\\)", "")
                .trim();
    }

    static List<String> cells(String line) {
        List<String> out = new ArrayList<>();
        for (String c : line.split("\t", -1)) out.add(clean(c));
        return out;
    }

    @Test
    void shouldMatchThePapersFashionMnistColumnsWhenReadingTable1() {
        Map<String, String> sections = Map.of(
                "Fidelity-Uniform", MU_FIDELITY_UNIFORM,
                "Fidelity-Zero", MU_FIDELITY_ZERO,
                "Stability Spearman rank", STABILITY,
                "Distance Saliency smoothgrad", DISTANCE);
        String section = null;
        int checked = 0;
        for (String line : lines) {
            if (line.startsWith("Table 1:")) break;
            for (var e : sections.entrySet()) if (line.contains(e.getKey())) section = e.getValue();
            List<String> c = cells(line);
            if (section != null
                    && List.of(SALIENCY, SMOOTHGRAD, INTEGRATED_GRADIENTS, GRADIENT_INPUT, GRADCAM)
                            .contains(c.get(0))) {
                // columns: method, then Fash. MNIST OTNN, Uncst., then CelebA, Cat vs Dog, Imagenet
                assertThat(TABLE_1.cell(section, c.get(0), OTNN))
                        .as(section + " " + c.get(0))
                        .isEqualTo(c.get(1));
                assertThat(TABLE_1.cell(section, c.get(0), UNCONSTRAINED))
                        .as(section + " " + c.get(0))
                        .isEqualTo(c.get(2));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(TABLE_1.rows().size()).isEqualTo(14);
        assertThat(TABLE_1.cell(DISTANCE, SALIENCY, OTNN)).isEqualTo("7.5e-03");
    }

    @Test
    void shouldMatchThePapersAccuraciesWhenReadingTable6() {
        int start = indexOf("Model\tAccuracy");
        assertThat(cells(lines.get(start + 1))).containsExactly(TABLE_6_UNCONSTRAINED, "88.5");
        assertThat(lines.get(start + 2)).contains("multiclass version [56]").contains("\\lambda = 10, m = 0.5");
        assertThat(TABLE_6.cell("", TABLE_6_EQ4, ACCURACY))
                .isEqualTo(last(lines.get(start + 2)))
                .isEqualTo("72.2");
        assertThat(lines.get(start + 3)).startsWith("(Ours) OTNN").contains("(Eq. 5)");
        assertThat(TABLE_6.cell("", TABLE_6_EQ5, ACCURACY))
                .isEqualTo(last(lines.get(start + 3)))
                .isEqualTo("88.6");
    }

    @Test
    void shouldMatchThePapersFashionMnistRowsAndRanksWhenReadingTables8And9() {
        String section = null;
        boolean fashion = false;
        int checked = 0;
        for (String line : lines) {
            if (line.contains("Deletion-Zero (")) section = DELETION_ZERO;
            if (line.contains("Insertion-zero (")) section = INSERTION_ZERO;
            if (line.contains("Robustness-SR (")) section = ROBUSTNESS_SR;
            if (line.startsWith("CelebA\t")) fashion = false;
            if (line.startsWith("Fashion-MNIST\t")) fashion = true;
            List<String> c = cells(line);
            if (!fashion || c.size() < 8 || !List.of(OTNN, UNCONSTRAINED).contains(c.get(1))) continue;
            PaperTable table = section.equals(ROBUSTNESS_SR) ? TABLE_9 : TABLE_8;
            for (int m = 0; m < TABLE_8_METHODS.size(); m++) {
                assertThat(table.cell(section, c.get(1), TABLE_8_METHODS.get(m)))
                        .as(section + " " + c.get(1) + " " + TABLE_8_METHODS.get(m))
                        .isEqualTo(c.get(2 + m));
            }
            String rank = line.replaceAll(".*\\((Rk\\d)\\).*", "$1");
            assertThat(saliencyRank(section, c.get(1))).isEqualTo(rank);
            checked++;
            if (c.get(1).equals(UNCONSTRAINED)) fashion = false;
        }
        assertThat(checked)
                .isEqualTo(TABLE_8.rows().size() + TABLE_9.rows().size())
                .isEqualTo(6);
    }

    @Test
    void shouldMatchThePapersJpegSizesAndNullBlockFractionsWhenReadingTables10And11() {
        int t10 = indexOf("\tCelebA\tFashionMNIST");
        assertThat(cells(lines.get(t10 + 1)).get(2))
                .isEqualTo(TABLE_10.cell("", OTNN, JPEG_KB))
                .isEqualTo("0.92");
        assertThat(cells(lines.get(t10 + 2)).get(2))
                .isEqualTo(TABLE_10.cell("", UNCONSTRAINED, JPEG_KB))
                .isEqualTo("0.94");
        int t11 = indexOf("Unmasking fraction k");
        assertThat(cells(lines.get(t11)).subList(1, 8)).isEqualTo(TABLE_11_K);
        for (int i = 2; i <= 4; i++) {
            List<String> c = cells(lines.get(t11 + i));
            for (int k = 0; k < TABLE_11_K.size(); k++) {
                assertThat(TABLE_11.cell("", c.get(0), TABLE_11_K.get(k))).isEqualTo(c.get(1 + k));
            }
        }
        assertThat(TABLE_11.cell("", OTNN, "10")).isEqualTo("1.8");
        assertThat(TABLE_11.cell("", TABLE_11_ADVERSARIAL, "2.5")).isEqualTo("< 1");
    }

    @Test
    void shouldReadNonNumbersAsNanWhenTheCellIsNotAFigure() {
        assertThat(PaperTable.number("< 1")).isNaN();
        assertThat(PaperTable.number("7.5e-03")).isEqualTo(0.0075);
        assertThat(PaperTable.number("-0.001")).isEqualTo(-0.001);
    }

    private static int indexOf(String prefix) {
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).startsWith(prefix)) return i;
        throw new AssertionError("no line starting with " + prefix);
    }

    private static String last(String line) {
        List<String> c = cells(line);
        return c.get(c.size() - 1);
    }
}
