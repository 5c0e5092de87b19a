package io.otnn.explain.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A child JVM's main for {@link TensorFlowEnvironmentTest}: starts TensorFlow the product's way, runs one matrix
 * product, then prints the value of {@code TF_ENABLE_ONEDNN_OPTS} the native library saw.
 */
public final class TensorFlowEnvironmentProbe {

    private TensorFlowEnvironmentProbe() {}

    public static void main(String[] args) {
        try (NDManager manager = TensorFlowNatives.bootstrap().newBaseManager()) {
            NDArray a = manager.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
            float sum = a.matMul(a).sum().getFloat();
            System.out.println("product-sum=" + sum);
        }
        System.out.println(
                TensorFlowEnvironment.ONEDNN + "=" + TensorFlowEnvironment.nativeValue(TensorFlowEnvironment.ONEDNN));
    }
}
