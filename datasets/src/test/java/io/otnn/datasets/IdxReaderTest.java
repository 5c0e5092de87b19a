package io.otnn.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    @TempDir
    Path tmp;

    /** n images of rows×cols with pixel = 10·index + position % 10 and label = index % 10. */
    private static void write(Path images, Path labels, int n, int rows, int cols, int labelCount, boolean gzip)
            throws IOException {
        try (DataOutputStream out = new DataOutputStream(open(images, gzip))) {
            out.writeInt(0x803);
            out.writeInt(n);
            out.writeInt(rows);
            out.writeInt(cols);
            for (int i = 0; i < n; i++) for (int p = 0; p < rows * cols; p++) out.writeByte(10 * i + p % 10);
        }
        try (DataOutputStream out = new DataOutputStream(open(labels, gzip))) {
            out.writeInt(0x801);
            out.writeInt(labelCount);
            for (int i = 0; i < labelCount; i++) out.writeByte(i % 10);
        }
    }

    private static OutputStream open(Path file, boolean gzip) throws IOException {
        OutputStream out = Files.newOutputStream(file);
        return gzip ? new GZIPOutputStream(out) : out;
    }

    @Test
    void shouldReadTheSameImagesWhenTheFilesAreGzippedOrPlain() throws IOException {
        Path sample = SampleData.extract(tmp);
        for (String f : new String[] {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(sample.resolve(f + ".gz")))) {
                Files.createDirectories(tmp.resolve("plain"));
                Files.write(tmp.resolve("plain").resolve(f), in.readAllBytes());
            }
        }
        IdxImages gz;
        try (IdxReader reader = IdxReader.openSplit(sample, "t10k")) {
            assertThat(reader.count()).isEqualTo(500);
            assertThat(reader.height()).isEqualTo(28);
            assertThat(reader.width()).isEqualTo(28);
            gz = reader.readAll(0);
        }
        IdxImages plain;
        try (IdxReader reader = IdxReader.openSplit(tmp.resolve("plain"), "t10k")) {
            plain = reader.readAll(0);
        }
        assertThat(plain.pixels()).containsExactly(gz.pixels());
        assertThat(plain.labels()).containsExactly(gz.labels());
        assertThat(java.util.Arrays.stream(gz.labels()).allMatch(l -> l >= 0 && l < 10))
                .isTrue();
    }

    @Test
    void shouldHandOutEachImageWithItsLabelWhenReadOneByOne() throws IOException {
        write(tmp.resolve("a-images-idx3-ubyte"), tmp.resolve("a-labels-idx1-ubyte"), 3, 2, 5, 3, false);
        try (IdxReader reader = IdxReader.open(
                tmp.resolve("a-images-idx3-ubyte"), IdxReader.labelsNextTo(tmp.resolve("a-images-idx3-ubyte")))) {
            byte[] pixels = new byte[10];
            assertThat(reader.next(pixels)).isEqualTo(0);
            assertThat(reader.next(pixels)).isEqualTo(1);
            assertThat(pixels).containsExactly(10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
            IdxImages rest = reader.readAll(0);
            assertThat(rest.count()).isEqualTo(1);
            assertThat(rest.labels()).containsExactly(2);
            assertThat(rest.unitRange()[9]).isEqualTo(29 / 255f);
            assertThat(reader.hasNext()).isFalse();
        }
    }

    @Test
    void shouldNameTheMissingFileWhenIdxIsAbsent() {
        assertThatThrownBy(() -> IdxReader.openSplit(tmp, "train"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("train-images-idx3-ubyte.gz")
                .hasMessageContaining("missing");
    }

    @Test
    void shouldRefuseTheFilesWhenTheLabelCountDiffers() throws IOException {
        write(tmp.resolve("t10k-images-idx3-ubyte.gz"), tmp.resolve("t10k-labels-idx1-ubyte.gz"), 4, 2, 2, 3, true);
        assertThatThrownBy(() -> IdxReader.openSplit(tmp, "t10k"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("t10k-labels-idx1-ubyte.gz")
                .hasMessageContaining("3 labels for 4 images");
    }

    @Test
    void shouldNameTheFileWhenItIsNotIdxOrTruncated() throws IOException {
        Files.writeString(tmp.resolve("x-images-idx3-ubyte"), "not an IDX file at all");
        assertThatThrownBy(() -> IdxReader.open(tmp.resolve("x-images-idx3-ubyte"), null))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("x-images-idx3-ubyte")
                .hasMessageContaining("not an IDX image file");
        write(tmp.resolve("y-images-idx3-ubyte"), tmp.resolve("y-labels-idx1-ubyte"), 2, 3, 3, 2, false);
        byte[] whole = Files.readAllBytes(tmp.resolve("y-images-idx3-ubyte"));
        Files.write(tmp.resolve("y-images-idx3-ubyte"), java.util.Arrays.copyOf(whole, whole.length - 4));
        try (IdxReader reader = IdxReader.open(tmp.resolve("y-images-idx3-ubyte"), null)) {
            assertThat(reader.hasLabels()).isFalse();
            assertThat(reader.next(new byte[9])).isEqualTo(-1);
            assertThatThrownBy(() -> reader.next(new byte[9]))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("y-images-idx3-ubyte")
                    .hasMessageContaining("truncated");
        }
    }
}
