package io.otnn.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.ingest.source.IdxSource;
import io.otnn.ingest.source.ImageSource;
import io.otnn.ingest.source.SourceImage;
import io.otnn.ingest.testing.IdxFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourcesTest {

    @TempDir
    Path dir;

    private static List<SourceImage> readAll(ImageSource source, List<String> skipped) throws IOException {
        List<SourceImage> images = new ArrayList<>();
        source.forEach(image -> images.add(image) || true, skipped::add);
        return images;
    }

    @Test
    void shouldReadImagesAndLabelsWithStableIdsWhenIdxFilesAreGzipped() throws IOException {
        Path data = IdxFiles.writeIdx(dir.resolve("fashion"), "t10k", 12, 28, 28, true);
        List<String> skipped = new ArrayList<>();
        List<SourceImage> images = readAll(ImageSource.parse("idx:" + data), skipped);
        assertThat(images).hasSize(12);
        assertThat(skipped).isEmpty();
        SourceImage third = images.get(3);
        assertThat(third.id()).isEqualTo("fashion/t10k/3");
        assertThat(third.label()).isEqualTo(3);
        assertThat(third.encoding()).isEqualTo("RAW_U8");
        assertThat(third.width()).isEqualTo(28);
        assertThat(third.pixels()).hasSize(784).containsOnly(3);
        assertThat(readAll(ImageSource.parse("idx:" + data), skipped).get(3).id())
                .isEqualTo(third.id());
    }

    @Test
    void shouldReadThePlainTrainSplitWhenNoTestSplitAndNoGzip() throws IOException {
        Path data = IdxFiles.writeIdx(dir.resolve("digits"), "train", 5, 4, 3, false);
        IdxSource source = IdxSource.open(data);
        assertThat(source.hasLabels()).isTrue();
        List<SourceImage> images = readAll(source, new ArrayList<>());
        assertThat(images)
                .extracting(SourceImage::id)
                .containsExactly(
                        "digits/train/0", "digits/train/1", "digits/train/2", "digits/train/3", "digits/train/4");
        assertThat(images.get(0).width()).isEqualTo(3);
        assertThat(images.get(0).height()).isEqualTo(4);
    }

    @Test
    void shouldLabelBySubFolderAndReportEachUnreadableFileWhenReadingAFolder() throws IOException {
        Path root = dir.resolve("pets");
        for (String cls : List.of("cat", "dog")) {
            Files.createDirectories(root.resolve(cls));
            ImageIO.write(
                    new BufferedImage(8, 6, BufferedImage.TYPE_BYTE_GRAY),
                    "png",
                    root.resolve(cls).resolve("a.png").toFile());
        }
        ImageIO.write(
                new BufferedImage(8, 6, BufferedImage.TYPE_3BYTE_BGR),
                "jpg",
                root.resolve("dog").resolve("b.jpg").toFile());
        Files.writeString(root.resolve("dog").resolve("broken.png"), "not a png");
        Files.writeString(root.resolve("notes.txt"), "hello");

        List<String> skipped = new ArrayList<>();
        List<SourceImage> images = readAll(ImageSource.parse("dir:" + root), skipped);

        assertThat(images).extracting(SourceImage::id).containsExactly("cat/a.png", "dog/a.png", "dog/b.jpg");
        assertThat(images).extracting(SourceImage::label).containsExactly(0, 1, 1);
        assertThat(images.get(2).encoding()).isEqualTo("JPEG");
        assertThat(images.get(2).channels()).isEqualTo(3);
        assertThat(images.get(0).width()).isEqualTo(8);
        assertThat(skipped)
                .hasSize(2)
                .anyMatch(m -> m.startsWith("dog/broken.png: "))
                .anyMatch(m -> m.startsWith("notes.txt: "));
    }
}
