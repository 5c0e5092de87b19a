package io.otnn.explain.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.explain.ImageExplanation;
import io.otnn.explain.OtnnModel;
import io.otnn.explain.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class RendererTest {

    @Test
    void shouldMapEndsOfColormapsToTheirAnchors() {
        assertThat(Colormap.VIRIDIS.rgb(0)).isEqualTo(0x440154);
        assertThat(Colormap.VIRIDIS.rgb(1)).isEqualTo(0xfde725);
        assertThat(Colormap.RD_BU.rgb(0.5)).isEqualTo(0xf7f7f7);
        assertThat(Colormap.VIRIDIS.rgb(Double.NaN)).isEqualTo(0x440154);
    }

    @Test
    void shouldWriteSixPngsOfTheImageSizeWhenAnExplanationIsRendered() throws Exception {
        try (OtnnModel model = OtnnModel.load(Fixtures.groupSort())) {
            float[] x = Fixtures.images(1, 1, 60)[0];
            ImageExplanation e = model.explain(new float[][] {x}).get(0);
            Map<String, byte[]> pngs = new Renderer(model.metadata().input()).render(x, e);
            assertThat(pngs)
                    .containsOnlyKeys(
                            "image.png",
                            "saliency.png",
                            "overlay.png",
                            "gradient.png",
                            "counterfactual.png",
                            "difference.png");
            for (byte[] png : pngs.values()) {
                BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
                assertThat(image.getWidth()).isEqualTo(5);
                assertThat(image.getHeight()).isEqualTo(6);
            }
            // the brightest heatmap pixel is where the saliency is largest
            BufferedImage heat = ImageIO.read(new ByteArrayInputStream(pngs.get("saliency.png")));
            int best = 0;
            for (int p = 0; p < 30; p++) {
                if (Math.max(e.saliency()[2 * p], e.saliency()[2 * p + 1])
                        > Math.max(e.saliency()[2 * best], e.saliency()[2 * best + 1])) best = p;
            }
            assertThat(heat.getRGB(best % 5, best / 5) & 0xffffff).isEqualTo(0xfde725);
        }
    }
}
