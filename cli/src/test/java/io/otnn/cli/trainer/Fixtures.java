package io.otnn.cli.trainer;

import io.otnn.datasets.SampleData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The committed Fashion-MNIST sample of explain-core (2,000 train and 500 test images, gzip IDX). */
final class Fixtures {
    private Fixtures() {
    }

    static Path fashionMnistMini() {
        try {
            return SampleData.extract(Path.of("target", "test-data"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
