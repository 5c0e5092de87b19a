package io.otnn.reproduction.models;

import io.otnn.datasets.DataSetNames;
import io.otnn.trainer.losses.LossSpec;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The networks the report needs, each by the name it has on the command line ({@code --model dense-otnn=DIR}) and
 * under {@code DIR/models/}: the OTNN and its unconstrained twin for both presets (Tables 1, 6, 8, 10), the Eq. 4 OTNN
 * on the same network and epochs as the Eq. 5 one (Table 6), the binary OTNN of the Koch snowflakes (Figure 2) and of
 * BlockMNIST (Table 11, Figure 7), and BlockMNIST's unconstrained twin (Table 11's second row).
 */
public enum ModelRole {
    DENSE_OTNN("dense-otnn", DataSetNames.FASHION_MNIST, "dense", null),
    DENSE_BASELINE("dense-baseline", DataSetNames.FASHION_MNIST, "dense", LossSpec.Kind.CROSS_ENTROPY),
    CNN_OTNN("cnn-otnn", DataSetNames.FASHION_MNIST, "cnn", null),
    CNN_BASELINE("cnn-baseline", DataSetNames.FASHION_MNIST, "cnn", LossSpec.Kind.CROSS_ENTROPY),
    DENSE_EQ4("dense-otnn-eq4", DataSetNames.FASHION_MNIST, "dense", LossSpec.Kind.HKR_MULTICLASS),
    CNN_EQ4("cnn-otnn-eq4", DataSetNames.FASHION_MNIST, "cnn", LossSpec.Kind.HKR_MULTICLASS),
    KOCH("koch", DataSetNames.KOCH, "dense", null),
    BLOCK_MNIST("block-mnist", DataSetNames.BLOCK_MNIST, "dense", null),
    BLOCK_MNIST_BASELINE("block-mnist-baseline", DataSetNames.BLOCK_MNIST, "dense", LossSpec.Kind.CROSS_ENTROPY);

    private final String cliName;
    private final String dataset;
    private final String architecture;
    private final LossSpec.Kind loss;

    /** @param loss null: the trainer's default for the data set (Eq. 5 for Fashion-MNIST, Eq. 1 for binary data) */
    ModelRole(String cliName, String dataset, String architecture, LossSpec.Kind loss) {
        this.cliName = cliName;
        this.dataset = dataset;
        this.architecture = architecture;
        this.loss = loss;
    }

    public String cliName() {
        return cliName;
    }

    public String dataset() {
        return dataset;
    }

    public String architecture() {
        return architecture;
    }

    /** The loss, or null for the trainer's default. */
    public LossSpec.Kind loss() {
        return loss;
    }

    /** The BlockMNIST networks, built from MNIST's 0s and 1s. */
    public boolean blockMnist() {
        return this == BLOCK_MNIST || this == BLOCK_MNIST_BASELINE;
    }

    public boolean constrained() {
        return loss == null || loss.lipschitz();
    }

    /** The Fashion-MNIST networks whose explanations are measured (Tables 1, 8, 9, 10). */
    public boolean measured() {
        return this == DENSE_OTNN || this == DENSE_BASELINE || this == CNN_OTNN || this == CNN_BASELINE;
    }

    public static ModelRole fromCli(String name) {
        for (ModelRole r : values()) {
            if (r.cliName.equals(name.toLowerCase(Locale.ROOT))) return r;
        }
        throw new IllegalArgumentException("unknown model '" + name + "', valid: " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(ModelRole::cliName).collect(Collectors.joining(", "));
    }
}
