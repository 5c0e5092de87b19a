package io.otnn.datasets;

import java.util.List;

/** The names of the data sets the commands take ({@code --data}) and the class names of the IDX ones. */
public final class DataSetNames {

    public static final String FASHION_MNIST = "fashion-mnist";
    public static final String MNIST = "mnist";
    public static final String BLOCK_MNIST = "block-mnist";
    public static final String FOLDER = "folder";
    public static final String KOCH = "koch";

    /** Fashion-MNIST's classes, in label order. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** MNIST's classes, in label order. */
    public static final List<String> MNIST_CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    private DataSetNames() {}
}
