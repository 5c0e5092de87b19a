package io.otnn.bench.drift;

import io.otnn.datasets.DataSetNames;
import io.otnn.streams.explaining.OtnnEngine;
import io.otnn.trainer.Trainer;
import io.otnn.trainer.TrainingConfig;
import io.otnn.trainer.data.DataSources;
import io.otnn.trainer.data.Dataset;
import io.otnn.trainer.losses.LossSpec;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A small dense OTNN trained on the first {@code trainLimit} Fashion-MNIST training images (its checkpoint's reference
 * statistics come from the first {@code testLimit} test images), loaded by the stream's real engine, and a pool of
 * the {@code poolSize} training images after those it trained on, explained once as they are and darkened.
 */
public record DriftFixture(Path checkpoint, OtnnEngine engine, ExplainedPool pool) implements AutoCloseable {

    /** The brightness shifts of the evaluation: every pixel × 0.5, and a milder × 0.8. */
    public static final double[] BRIGHTNESSES = {0.5, 0.8};

    public static DriftFixture train(
            Path fashionMnist, Path work, int trainLimit, int testLimit, int poolSize, int epochs)
            throws java.io.IOException {
        Path checkpoint = work.resolve("checkpoint");
        new Trainer()
                .train(TrainingConfig.builder()
                        .setDataset("fashion-mnist")
                        .optDataDir(fashionMnist)
                        .optArchitecture("dense")
                        .optWidthMultiplier(0.25)
                        .optLoss(LossSpec.Kind.HKR_SOFTMAX)
                        .setEpochs(epochs)
                        .optLimit(trainLimit)
                        .optTestLimit(testLimit)
                        .setOut(checkpoint)
                        .build());
        return load(checkpoint, fashionMnist, trainLimit, poolSize);
    }

    /** An existing checkpoint; the pool is the training images from {@code poolStart} on. */
    public static DriftFixture load(Path checkpoint, Path fashionMnist, int poolStart, int poolSize) {
        Dataset train = DataSources.readIdx(fashionMnist, "train", DataSetNames.FASHION_MNIST_CLASSES);
        int end = Math.min(train.size(), poolStart + poolSize);
        if (end <= poolStart) {
            throw new IllegalArgumentException("no training image after the first " + poolStart);
        }
        int size = train.imageSize();
        float[] images = Arrays.copyOfRange(train.images(), poolStart * size, end * size);
        int[] labels = Arrays.copyOfRange(train.labels(), poolStart, end);
        OtnnEngine engine = OtnnEngine.load(checkpoint);
        return new DriftFixture(
                checkpoint, engine, ExplainedPool.explain(engine.otnnModel(), images, labels, size, BRIGHTNESSES));
    }

    @Override
    public void close() {
        engine.close();
    }
}
