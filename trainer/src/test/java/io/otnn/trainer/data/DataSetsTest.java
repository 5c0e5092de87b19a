package io.otnn.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.datasets.DataSetNames;
import io.otnn.trainer.Fixtures;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSetsTest {

    @TempDir
    Path tmp;

    @Test
    void shouldReadGzipAndPlainIdxWhenFilesHaveOfficialNames() throws IOException {
        Dataset gz = DataSources.readIdx(Fixtures.fashionMnistMini(), "t10k", DataSetNames.FASHION_MNIST_CLASSES);
        assertThat(gz.size()).isEqualTo(500);
        assertThat(gz.height()).isEqualTo(28);
        assertThat(gz.classNames()).hasSize(10);
        for (String f : new String[] {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            try (InputStream in = new GZIPInputStream(
                    Files.newInputStream(Fixtures.fashionMnistMini().resolve(f + ".gz")))) {
                Files.write(tmp.resolve(f), in.readAllBytes());
            }
        }
        Dataset plain = DataSources.readIdx(tmp, "t10k", DataSetNames.FASHION_MNIST_CLASSES);
        assertThat(plain.labels()).containsExactly(gz.labels());
        assertThat(plain.images()).containsExactly(gz.images());
        float max = 0;
        for (float v : gz.images()) max = Math.max(max, v);
        assertThat(max).isLessThanOrEqualTo(1f).isGreaterThan(0.9f);
    }

    @Test
    void shouldNameTheMissingFileWhenIdxIsAbsent() {
        assertThatThrownBy(() -> DataSources.readIdx(tmp, "train", DataSetNames.MNIST_CLASSES))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("train-images-idx3-ubyte.gz")
                .hasMessageContaining("missing");
    }

    @Test
    void shouldSplitTheSameWayWhenTheSeedIsTheSame() {
        Dataset d = DataSources.readIdx(Fixtures.fashionMnistMini(), "t10k", DataSetNames.FASHION_MNIST_CLASSES);
        Dataset[] a = d.split(0.2, 5);
        Dataset[] b = d.split(0.2, 5);
        Dataset[] c = d.split(0.2, 6);
        assertThat(a[0].size()).isEqualTo(400);
        assertThat(a[1].size()).isEqualTo(100);
        assertThat(a[1].labels()).containsExactly(b[1].labels());
        assertThat(a[1].images()).isNotEqualTo(c[1].images());
    }

    @Test
    void shouldReadClassFoldersWhenImagesShareOneSize() throws IOException {
        for (String cls : new String[] {"cats", "dogs"}) {
            Files.createDirectories(tmp.resolve(cls));
            for (int i = 0; i < 3; i++) {
                BufferedImage img = new BufferedImage(5, 4, BufferedImage.TYPE_BYTE_GRAY);
                img.getRaster().setSample(1, 2, 0, cls.equals("dogs") ? 255 : 51);
                ImageIO.write(img, "png", tmp.resolve(cls).resolve(i + ".png").toFile());
            }
        }
        Dataset d = ImageFolder.read(tmp);
        assertThat(d.classNames()).containsExactly("cats", "dogs");
        assertThat(d.size()).isEqualTo(6);
        assertThat(d.channels()).isEqualTo(1);
        assertThat(d.height()).isEqualTo(4);
        assertThat(d.images()[2 * 5 + 1]).isEqualTo(0.2f);
        assertThat(d.labels()).containsExactly(0, 0, 0, 1, 1, 1);
    }

    @Test
    void shouldNameTheFileWhenAnImageIsUnreadable() throws IOException {
        Files.createDirectories(tmp.resolve("a"));
        Files.createDirectories(tmp.resolve("b"));
        ImageIO.write(
                new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB),
                "png",
                tmp.resolve("a/ok.png").toFile());
        Files.writeString(tmp.resolve("b/broken.png"), "not a png");
        assertThatThrownBy(() -> ImageFolder.read(tmp))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("broken.png")
                .hasMessageContaining("unreadable");
    }

    @Test
    void shouldRejectTheFolderWhenSizesDiffer() throws IOException {
        Files.createDirectories(tmp.resolve("a"));
        Files.createDirectories(tmp.resolve("b"));
        ImageIO.write(
                new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB),
                "png",
                tmp.resolve("a/x.png").toFile());
        ImageIO.write(
                new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB),
                "png",
                tmp.resolve("b/y.png").toFile());
        assertThatThrownBy(() -> ImageFolder.read(tmp))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("y.png")
                .hasMessageContaining("differs");
    }

    @Test
    void shouldSeparateTheTwoCurvesWhenGeneratingKochSnowflakes() {
        Dataset d = KochSnowflakes.generate(500, 1);
        double innerMax = 0, outerMin = Double.MAX_VALUE;
        for (int i = 0; i < d.size(); i++) {
            double r = Math.hypot(d.images()[2 * i], d.images()[2 * i + 1]);
            if (d.labels()[i] == 1) innerMax = Math.max(innerMax, r);
            else outerMin = Math.min(outerMin, r);
        }
        assertThat(innerMax).isLessThanOrEqualTo(1.0 + 1e-6);
        assertThat(outerMin).isGreaterThan(1.4);
        assertThat(KochSnowflakes.generate(500, 1).images()).containsExactly(d.images());
    }
}
