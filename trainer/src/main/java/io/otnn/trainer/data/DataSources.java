package io.otnn.trainer.data;

import io.otnn.datasets.BlockMnist;
import io.otnn.datasets.DataSetNames;
import io.otnn.datasets.IdxDataset;
import io.otnn.datasets.IdxImages;
import io.otnn.datasets.IdxReader;
import io.otnn.datasets.PixelDecoder;
import io.otnn.trainer.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Loads a named data set for a run, with the seeded validation split and the limits of the configuration. */
public final class DataSources {

    /** Koch snowflakes: points per class for training and for test. */
    public static final int KOCH_TRAIN_PER_CLASS = 2000;

    public static final int KOCH_TEST_PER_CLASS = 500;
    /** Folder data sets have no official test split: this share is held out as the test set. */
    public static final double FOLDER_TEST_FRACTION = 0.2;

    private DataSources() {}

    public static DataSplits load(TrainingConfig config) {
        Dataset train;
        Dataset test;
        switch (config.dataset()) {
            case DataSetNames.FASHION_MNIST, DataSetNames.MNIST -> {
                Path dir = requireIdxDir(config);
                List<String> classes = config.dataset().equals(DataSetNames.MNIST)
                        ? DataSetNames.MNIST_CLASSES
                        : DataSetNames.FASHION_MNIST_CLASSES;
                train = readIdx(dir, "train", classes);
                test = readIdx(dir, "t10k", classes);
            }
            case DataSetNames.BLOCK_MNIST -> {
                Path dir = requireIdxDir(config);
                train = blockMnist(readIdxDataset(dir, "train"), config.seed());
                test = blockMnist(readIdxDataset(dir, "t10k"), config.seed() + 1);
            }
            case DataSetNames.KOCH -> {
                train = KochSnowflakes.generate(KOCH_TRAIN_PER_CLASS, config.seed());
                test = KochSnowflakes.generate(KOCH_TEST_PER_CLASS, config.seed() + 7919);
            }
            case DataSetNames.FOLDER -> {
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

    /**
     * The {@code split} ("train", "t10k") of the IDX folder {@code dir} as a data set in [0, 1] (raw / 255, the
     * paper's preprocessing, A.2.1).
     *
     * @throws DataException naming the file and what is wrong, or a label with no class name
     */
    public static Dataset readIdx(Path dir, String split, List<String> classNames) {
        IdxImages images;
        try (IdxReader reader = IdxReader.openSplit(dir, split)) {
            images = reader.readAll(0);
        } catch (IOException e) {
            throw new DataException(e.getMessage(), e);
        }
        for (int l : images.labels()) {
            if (l >= classNames.size()) {
                throw new DataException(IdxReader.findOrNull(dir, split + "-labels-idx1-ubyte") + ": label " + l
                        + " but only " + classNames.size() + " classes");
            }
        }
        return new Dataset(images.unitRange(), images.labels(), images.height(), images.width(), 1, classNames, false);
    }

    /** BlockMNIST (binary, 56×28) built from MNIST's 0 and 1 digits, the null block at 1 (the input maximum). */
    private static Dataset blockMnist(IdxDataset mnist, long seed) {
        BlockMnist block = BlockMnist.fromMnist(mnist, 1.0, seed, 0);
        return new Dataset(
                block.flatImages(),
                block.labels(),
                BlockMnist.HEIGHT,
                BlockMnist.WIDTH,
                1,
                List.of(DataSetNames.MNIST_CLASSES.get(0), DataSetNames.MNIST_CLASSES.get(1)),
                true);
    }

    private static IdxDataset readIdxDataset(Path dir, String split) {
        try (IdxReader reader = IdxReader.openSplit(dir, split)) {
            return IdxDataset.read(reader, PixelDecoder.UNIT_RANGE, 0);
        } catch (IOException e) {
            throw new DataException(e.getMessage(), e);
        }
    }

    private static Path requireIdxDir(TrainingConfig config) {
        Path dir = requireDir(config);
        if (!Files.isDirectory(dir)) {
            throw new DataException(dir + ": no such directory (expected the IDX files train-images-idx3-ubyte.gz, …)");
        }
        return dir;
    }

    private static Path requireDir(TrainingConfig config) {
        if (config.dataDir() == null) {
            throw new DataException("data set " + config.dataset() + " needs --data-dir (the folder with its files)");
        }
        return config.dataDir();
    }
}
