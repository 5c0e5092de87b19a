package io.otnn.trainer.data;

import io.otnn.trainer.TrainingConfig;
import java.nio.file.Path;

/** Loads a named data set for a run, with the seeded validation split and the limits of the configuration. */
public final class DataSources {

    /** Koch snowflakes: points per class for training and for test. */
    public static final int KOCH_TRAIN_PER_CLASS = 2000;
    public static final int KOCH_TEST_PER_CLASS = 500;
    /** Folder data sets have no official test split: this share is held out as the test set. */
    public static final double FOLDER_TEST_FRACTION = 0.2;

    private DataSources() {
    }

    public static DataSplits load(TrainingConfig config) {
        Dataset train;
        Dataset test;
        switch (config.dataset()) {
            case "fashion-mnist", "mnist" -> {
                Dataset[] tt = IdxReader.readTrainAndTest(requireDir(config),
                        config.dataset().equals("mnist") ? IdxReader.MNIST_CLASSES : IdxReader.FASHION_MNIST_CLASSES);
                train = tt[0];
                test = tt[1];
            }
            case "block-mnist" -> {
                Dataset[] tt = IdxReader.readTrainAndTest(requireDir(config), IdxReader.MNIST_CLASSES);
                train = BlockMnist.of(tt[0].binaryOf(0, 1), config.seed());
                test = BlockMnist.of(tt[1].binaryOf(0, 1), config.seed() + 1);
            }
            case "koch" -> {
                train = KochSnowflakes.generate(KOCH_TRAIN_PER_CLASS, config.seed());
                test = KochSnowflakes.generate(KOCH_TEST_PER_CLASS, config.seed() + 7919);
            }
            case "folder" -> {
                Dataset[] parts = ImageFolder.read(requireDir(config)).split(FOLDER_TEST_FRACTION, config.seed() + 17);
                train = parts[0];
                test = parts[1];
            }
            default -> throw new IllegalArgumentException("unknown data set " + config.dataset());
        }
        train = train.limit(config.limit());
        test = test.limit(config.testLimit());
        Dataset[] tv = train.split(config.validationFraction(), config.seed());
        return new DataSplits(config.dataset(), tv[0], tv[1], test);
    }

    private static Path requireDir(TrainingConfig config) {
        if (config.dataDir() == null) {
            throw new DataException("data set " + config.dataset() + " needs --data-dir (the folder with its files)");
        }
        return config.dataDir();
    }
}
