package io.otnn.trainer.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;

/**
 * A layer whose input gradient the export writes out by hand instead of asking TensorFlow's symbolic gradient for
 * it. A network made only of such layers gets its {@code explain} gradients from one backward pass over both heads
 * (the top-1 logit and the margin, stacked as two copies of the batch), and its dense layers multiply by a kernel
 * stored transposed: TensorFlow's own gradient of {@code MatMul} multiplies by the transposed kernel in place, which
 * oneDNN runs 1.6× slower than a product by a stored matrix (bench/README.md, "The model call against the machine's
 * peak").
 */
public interface ExplicitGradient {

    /** Frozen parameters the gradient reads besides the inference parameters (the transposed kernel). */
    default List<Param> gradientParameters(List<Param> inferenceParameters) {
        return List.of();
    }

    /**
     * The cotangent of the layer's input from that of its output.
     *
     * @param x              the layer's input {@code [N, ...]}
     * @param cotangent      {@code copies} batches of output cotangents stacked on the first axis: {@code [copies·N,
     *                       ...]}, each for the same inputs x
     * @param params         the inference parameters
     * @param gradientParams the parameters of {@link #gradientParameters}, in that order, as the export stores them:
     *                       fp32, or bf16 for a kernel of a bf16 backward pass ({@link #product})
     * @return {@code [copies·N, ...]} of the input's shape
     */
    Operand<TFloat32> inputCotangent(
            Ops tf,
            Operand<TFloat32> x,
            Operand<TFloat32> cotangent,
            int copies,
            List<Operand<TFloat32>> params,
            List<Operand<?>> gradientParams);

    /**
     * A layer y = x·W + b whose first inference parameter is the kernel W {@code [in, out]}: the input cotangent is
     * the output's times Wᵀ, stored as the one gradient parameter.
     */
    interface Affine extends ExplicitGradient {

        @Override
        default List<Param> gradientParameters(List<Param> inferenceParameters) {
            return List.of(transposedKernel(inferenceParameters.get(0)));
        }

        @Override
        default Operand<TFloat32> inputCotangent(
                Ops tf,
                Operand<TFloat32> x,
                Operand<TFloat32> cotangent,
                int copies,
                List<Operand<TFloat32>> params,
                List<Operand<?>> gradientParams) {
            return product(tf, cotangent, gradientParams.get(0));
        }
    }

    /**
     * {@code cotangent · kernel}. A kernel stored in bfloat16 multiplies the cotangent rounded to bfloat16 (oneDNN
     * accumulates in fp32 and rounds the product to bfloat16), and the product goes back to fp32.
     */
    @SuppressWarnings("unchecked")
    static Operand<TFloat32> product(Ops tf, Operand<TFloat32> cotangent, Operand<?> kernel) {
        if (kernel.type() == TFloat32.class) return tf.linalg.matMul(cotangent, (Operand<TFloat32>) kernel);
        if (kernel.type() == TBfloat16.class) {
            Operand<TBfloat16> product =
                    tf.linalg.matMul(tf.dtypes.cast(cotangent, TBfloat16.class), (Operand<TBfloat16>) kernel);
            return tf.dtypes.cast(product, TFloat32.class);
        }
        throw new IllegalArgumentException(
                "a gradient kernel of type " + kernel.type().getSimpleName());
    }

    /** The kernel {@code [in, out]} of an affine layer transposed to {@code [out, in]}. */
    static Param transposedKernel(Param kernel) {
        if (kernel.shape().length != 2) throw new IllegalArgumentException("not a matrix: " + kernel);
        int rows = kernel.rows();
        int cols = kernel.cols();
        float[] v = kernel.values();
        float[] t = new float[v.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) t[c * rows + r] = v[r * cols + c];
        }
        return new Param(new long[] {cols, rows}, t);
    }

    /**
     * {@code [copies·N, ...shape]} viewed as {@code [copies, N, ...shape]}, so that a tensor of the input's shape
     * broadcasts over the copies.
     */
    static Operand<TFloat32> byCopy(Ops tf, Operand<TFloat32> cotangent, int copies, long[] shape) {
        long[] dims = new long[shape.length + 2];
        dims[0] = copies;
        dims[1] = -1;
        System.arraycopy(shape, 0, dims, 2, shape.length);
        return tf.reshape(cotangent, tf.constant(dims));
    }

    /** {@code [copies, N, ...shape]} back to {@code [copies·N, ...shape]}. */
    static Operand<TFloat32> stacked(Ops tf, Operand<TFloat32> byCopy, long[] shape) {
        long[] dims = new long[shape.length + 1];
        dims[0] = -1;
        System.arraycopy(shape, 0, dims, 1, shape.length);
        return tf.reshape(byCopy, tf.constant(dims));
    }
}
