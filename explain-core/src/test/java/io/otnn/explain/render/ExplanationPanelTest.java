package io.otnn.explain.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.otnn.explain.CounterfactualStep;
import io.otnn.explain.Explainer;
import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.testing.Fixtures;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The labelled panel: its size, where each part is drawn, its titles and colour bars, on a real fixture model. */
class ExplanationPanelTest {

    private static final int BACKGROUND = ExplanationPanel.BACKGROUND.getRGB() & 0xffffff;

    static OtnnModel model;
    static float[] x;
    static ImageExplanation explanation;
    static List<CounterfactualStep> steps;

    @BeforeAll
    static void explain() {
        model = OtnnModel.load(Fixtures.groupSort());
        x = Fixtures.images(31, 1, model.metadata().input().size())[0];
        try (Explainer explainer = model.newExplainer()) {
            explanation = explainer.explain(new float[][] {x}).get(0);
            steps = explainer
                    .counterfactuals(new float[][] {x}, List.of(explanation), 1, 2, 5)
                    .get(0);
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static PanelContent content(Integer label) {
        return PanelContent.of("a.u8  ·  model fixture", x, explanation, steps, label);
    }

    @Test
    void shouldRunHeadlessWhenTheTestsDrawText() {
        assertThat(GraphicsEnvironment.isHeadless()).isTrue();
    }

    @Test
    void shouldHaveTheLayoutsSizeAndSevenTilesInOneRowWhenThreeCounterfactualsAreShown() throws Exception {
        ExplanationPanel panel = new ExplanationPanel(model.metadata());
        PanelLayout layout = panel.layout(content(null));
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(panel.png(content(null))));

        assertThat(png.getWidth()).isEqualTo(layout.width());
        assertThat(png.getHeight()).isEqualTo(layout.height());
        assertThat(layout.tiles()).hasSize(7);
        assertThat(layout.counterfactuals()).isEqualTo(3);
        // 6×5 pixels enlarged by ceil(224 / 5) = 45
        assertThat(layout.scale()).isEqualTo(45);
        assertThat(layout.image().picture().width()).isEqualTo(5 * 45);
        assertThat(layout.image().picture().height()).isEqualTo(6 * 45);
        for (int i = 1; i < layout.tiles().size(); i++) {
            PanelLayout.Box left = layout.tiles().get(i - 1).bounds();
            PanelLayout.Box right = layout.tiles().get(i).bounds();
            assertThat(right.x()).isGreaterThanOrEqualTo(left.x() + left.width() + PanelLayout.GAP);
            assertThat(right.y()).isEqualTo(left.y());
        }
        for (PanelLayout.Tile tile : layout.tiles()) {
            assertThat(tile.title().y() + tile.title().height())
                    .isLessThanOrEqualTo(tile.picture().y());
            if (tile.bar() != null) {
                assertThat(tile.bar().y())
                        .isGreaterThan(tile.picture().y() + tile.picture().height());
            }
        }
        assertThat(layout.image().bar()).isNull();
        assertThat(layout.saliency().bar()).isNotNull();
        assertThat(layout.difference().bar()).isNotNull();
    }

    @Test
    void shouldDrawEachEnlargedPictureWhereTheLayoutSaysWhenAPanelIsDrawn() {
        ExplanationPanel panel = new ExplanationPanel(model.metadata());
        PanelContent c = content(null);
        PanelLayout layout = panel.layout(c);
        BufferedImage drawn = panel.draw(c);
        Renderer renderer = new Renderer(model.metadata().input());
        float[] difference = new float[x.length];
        for (int p = 0; p < x.length; p++) difference[p] = explanation.counterfactual()[p] - x[p];

        assertPicture(drawn, layout, layout.image(), renderer.toImage(x));
        assertPicture(drawn, layout, layout.saliency(), renderer.heatmapImage(explanation.saliency()));
        assertPicture(
                drawn,
                layout,
                layout.overlay(),
                renderer.overlayImage(x, explanation.saliency(), ExplanationPanel.OVERLAY_ALPHA));
        for (int i = 0; i < steps.size(); i++) {
            assertPicture(
                    drawn,
                    layout,
                    layout.counterfactual(i),
                    renderer.toImage(steps.get(i).image()));
        }
        assertPicture(drawn, layout, layout.difference(), renderer.divergingImage(difference));
    }

    @Test
    void shouldWriteEveryTitleInsideItsBandAndNothingOutsideTheTilesWhenAPanelIsDrawn() {
        ExplanationPanel panel = new ExplanationPanel(model.metadata());
        PanelContent c = content(explanation.predicted());
        PanelLayout layout = panel.layout(c);
        BufferedImage drawn = panel.draw(c);

        assertThat(inked(drawn, layout.heading())).as("heading").isGreaterThan(50);
        for (PanelLayout.Tile tile : layout.tiles()) {
            PanelLayout.Box title = tile.title();
            // the first line of every title is there, in the text colour, and in its own line
            PanelLayout.Box first = new PanelLayout.Box(title.x(), title.y(), title.width(), PanelLayout.LINE_HEIGHT);
            assertThat(inked(drawn, first))
                    .as("first title line of tile at x = %d", title.x())
                    .isGreaterThan(30);
            assertThat(count(drawn, first, ExplanationPanel.TEXT.getRGB() & 0xffffff))
                    .isPositive();
            PanelLayout.Box second = new PanelLayout.Box(
                    title.x(), title.y() + PanelLayout.LINE_HEIGHT, title.width(), PanelLayout.LINE_HEIGHT);
            assertThat(inked(drawn, second))
                    .as("second title line of tile at x = %d", title.x())
                    .isGreaterThan(30);
        }
        // the image's class, label (correct: green) and certificate: four lines
        PanelLayout.Box imageTitle = layout.image().title();
        for (int line = 0; line < 4; line++) {
            assertThat(inked(drawn, line(imageTitle, line)))
                    .as("image title line %d", line)
                    .isGreaterThan(30);
        }
        assertThat(greenish(drawn, line(imageTitle, 2))).isPositive();
        // each colour bar has its figures under it
        assertThat(inked(drawn, layout.saliency().barLabels())).isGreaterThan(10);
        assertThat(inked(drawn, layout.difference().barLabels())).isGreaterThan(20);
        // outside the heading and the tiles (margins and gaps) everything is background: no text overflows
        for (int py = 0; py < drawn.getHeight(); py++) {
            for (int px = 0; px < drawn.getWidth(); px++) {
                boolean inside = layout.heading().contains(px, py);
                for (PanelLayout.Tile tile : layout.tiles())
                    inside |= tile.bounds().contains(px, py);
                if (!inside) {
                    assertThat(drawn.getRGB(px, py) & 0xffffff)
                            .as("pixel (%d, %d)", px, py)
                            .isEqualTo(BACKGROUND);
                }
            }
        }
    }

    @Test
    void shouldShowAWrongLabelInRedWhenTheLabelDiffersFromThePrediction() {
        ExplanationPanel panel = new ExplanationPanel(model.metadata());
        int wrong =
                (explanation.predicted() + 1) % model.metadata().classNames().size();
        PanelContent c = content(wrong);
        BufferedImage drawn = panel.draw(c);
        PanelLayout.Box labelLine = line(panel.layout(c).image().title(), 2);
        assertThat(reddish(drawn, labelLine)).isPositive();
        assertThat(greenish(drawn, labelLine)).isZero();
        // without a label the line says so, in neither colour
        BufferedImage unlabelled = panel.draw(content(null));
        assertThat(inked(unlabelled, labelLine)).isGreaterThan(30);
        assertThat(greenish(unlabelled, labelLine) + reddish(unlabelled, labelLine))
                .isZero();
    }

    @Test
    void shouldColourEachCounterfactualsVerdictByWhetherTheModelGivesItTheTarget() {
        ExplanationPanel panel = new ExplanationPanel(model.metadata());
        PanelContent c = content(null);
        PanelLayout layout = panel.layout(c);
        BufferedImage drawn = panel.draw(c);
        for (int i = 0; i < steps.size(); i++) {
            CounterfactualStep step = steps.get(i);
            PanelLayout.Box verdict = line(layout.counterfactual(i).title(), 2);
            assertThat(inked(drawn, verdict)).isGreaterThan(30);
            if (step.t() <= 1) { // x_δ: not expected to be in j yet, neither green nor red
                assertThat(greenish(drawn, verdict) + reddish(drawn, verdict))
                        .as("t = %s", step.t())
                        .isZero();
            } else if (step.predictedClass() == explanation.runnerUp()) {
                assertThat(greenish(drawn, verdict)).as("t = %s", step.t()).isPositive();
                assertThat(reddish(drawn, verdict)).isZero();
            } else {
                assertThat(reddish(drawn, verdict)).as("t = %s", step.t()).isPositive();
                assertThat(greenish(drawn, verdict)).isZero();
            }
        }
    }

    @Test
    void shouldDrawMonotonicColourBarsFromEndToEndWhenAPanelIsDrawn() {
        ExplanationPanel panel = new ExplanationPanel(model.metadata());
        PanelContent c = content(null);
        PanelLayout layout = panel.layout(c);
        BufferedImage drawn = panel.draw(c);

        assertMonotonic(drawn, layout.saliency().bar(), Colormap.VIRIDIS);
        assertMonotonic(drawn, layout.difference().bar(), Colormap.RD_BU);
        PanelLayout.Box diverging = layout.difference().bar();
        assertThat(drawn.getRGB(diverging.x() + diverging.width() / 2, diverging.y()) & 0xffffff)
                .as("the middle of the diverging bar is 0: white")
                .isEqualTo(Colormap.RD_BU.rgb(0.5));
    }

    @Test
    void shouldFormatFiguresWithThreeSignificantDigits() {
        assertThat(ExplanationPanel.figure(0)).isEqualTo("0");
        assertThat(ExplanationPanel.figure(2.0)).isEqualTo("2");
        assertThat(ExplanationPanel.figure(0.41236)).isEqualTo("0.412");
        assertThat(ExplanationPanel.figure(0.0523)).isEqualTo("0.0523");
        assertThat(ExplanationPanel.figure(12.345)).isEqualTo("12.3");
        assertThat(ExplanationPanel.figure(0.000123)).isEqualTo("1.23e-04");
    }

    @Test
    void shouldRefuseAPanelWhenTheImageDoesNotFitTheModel() {
        ExplanationPanel panel = new ExplanationPanel(Fixtures.MNIST_INPUT, List.of("a", "b"));
        assertThatThrownBy(() -> panel.draw(content(null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[28, 28, 1]");
    }

    private static PanelLayout.Box line(PanelLayout.Box title, int line) {
        return new PanelLayout.Box(
                title.x(), title.y() + line * PanelLayout.LINE_HEIGHT, title.width(), PanelLayout.LINE_HEIGHT);
    }

    /** Every pixel of the tile's picture is the small picture's pixel under it (nearest-neighbour enlargement). */
    private static void assertPicture(
            BufferedImage drawn, PanelLayout layout, PanelLayout.Tile tile, BufferedImage small) {
        PanelLayout.Box p = tile.picture();
        assertThat(p.width()).isEqualTo(small.getWidth() * layout.scale());
        for (int py = 0; py < p.height(); py++) {
            for (int px = 0; px < p.width(); px++) {
                int expected = small.getRGB(px / layout.scale(), py / layout.scale()) & 0xffffff;
                assertThat(drawn.getRGB(p.x() + px, p.y() + py) & 0xffffff)
                        .as("(%d, %d) of the tile at x = %d", px, py, p.x())
                        .isEqualTo(expected);
            }
        }
    }

    /** Each column of the bar is one colour of the map, at a position that grows from 0 to 1 left to right. */
    private static void assertMonotonic(BufferedImage drawn, PanelLayout.Box bar, Colormap map) {
        double previous = -1;
        for (int i = 0; i < bar.width(); i++) {
            int rgb = drawn.getRGB(bar.x() + i, bar.y()) & 0xffffff;
            for (int row = 1; row < bar.height(); row++) {
                assertThat(drawn.getRGB(bar.x() + i, bar.y() + row) & 0xffffff).isEqualTo(rgb);
            }
            double position = position(map, rgb);
            assertThat(position).as("column %d", i).isGreaterThanOrEqualTo(previous);
            previous = position;
        }
        // neighbouring positions round to the same 8-bit colour: the ends are found to within a few steps
        assertThat(position(map, drawn.getRGB(bar.x(), bar.y()) & 0xffffff)).isCloseTo(0.0, within(0.005));
        assertThat(position(map, drawn.getRGB(bar.x() + bar.width() - 1, bar.y()) & 0xffffff))
                .isCloseTo(1.0, within(0.005));
    }

    /** Where on the map (0…1, steps of 1/2000) a colour is closest. */
    private static double position(Colormap map, int rgb) {
        double best = -1;
        int bestDistance = Integer.MAX_VALUE;
        for (int s = 0; s <= 2000; s++) {
            int c = map.rgb(s / 2000.0);
            int d = sq((c >> 16 & 0xff) - (rgb >> 16 & 0xff))
                    + sq((c >> 8 & 0xff) - (rgb >> 8 & 0xff))
                    + sq((c & 0xff) - (rgb & 0xff));
            if (d < bestDistance) {
                bestDistance = d;
                best = s / 2000.0;
            }
        }
        return best;
    }

    private static int sq(int v) {
        return v * v;
    }

    private static int inked(BufferedImage image, PanelLayout.Box box) {
        int n = 0;
        for (int py = box.y(); py < box.y() + box.height(); py++) {
            for (int px = box.x(); px < box.x() + box.width(); px++) {
                if ((image.getRGB(px, py) & 0xffffff) != BACKGROUND) n++;
            }
        }
        return n;
    }

    private static int count(BufferedImage image, PanelLayout.Box box, int rgb) {
        int n = 0;
        for (int py = box.y(); py < box.y() + box.height(); py++) {
            for (int px = box.x(); px < box.x() + box.width(); px++) {
                if ((image.getRGB(px, py) & 0xffffff) == rgb) n++;
            }
        }
        return n;
    }

    private static int greenish(BufferedImage image, PanelLayout.Box box) {
        return hue(image, box, 8, 16);
    }

    private static int reddish(BufferedImage image, PanelLayout.Box box) {
        return hue(image, box, 16, 8);
    }

    /** Pixels whose channel at {@code strong} exceeds the one at {@code weak} by more than 40. */
    private static int hue(BufferedImage image, PanelLayout.Box box, int strong, int weak) {
        int n = 0;
        for (int py = box.y(); py < box.y() + box.height(); py++) {
            for (int px = box.x(); px < box.x() + box.width(); px++) {
                int rgb = image.getRGB(px, py);
                if ((rgb >> strong & 0xff) - (rgb >> weak & 0xff) > 40) n++;
            }
        }
        return n;
    }
}
