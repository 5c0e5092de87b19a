package io.otnn.training.testing;

import io.otnn.avro.TrainingRequest;
import io.otnn.datasets.SampleData;
import io.otnn.training.requests.TrainingRequests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Requests that train in seconds: the committed Fashion-MNIST sample, 256 training and 100 test images, the dense
 * preset at width 0.125 (as the trainer's own tests).
 */
public final class SmallRequests {

    private SmallRequests() {}

    public static Path sampleData() {
        try {
            return SampleData.extract(Path.of("target", "test-data"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TrainingRequest.Builder small(String modelName, int epochs) {
        return TrainingRequests.builder(
                        modelName,
                        "fashion-mnist",
                        sampleData().toAbsolutePath().toString(),
                        epochs)
                .setTrainLimit(256)
                .setTestLimit(100)
                .setWidthMultiplier(0.125);
    }
}
