package io.otnn.trainer;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The committed test fixture: the first 2,000 train and 500 test Fashion-MNIST images, gzip IDX. */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path fashionMnistMini() {
        try {
            return Path.of(Fixtures.class.getResource("/fashion-mnist-mini/train-images-idx3-ubyte.gz").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
