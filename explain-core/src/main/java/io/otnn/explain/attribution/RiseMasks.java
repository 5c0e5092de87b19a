package io.otnn.explain.attribution;

import java.util.Random;

/**
 * The seeded masks of one {@link Rise} call: {@code count} binary {@code grid × grid} cells, each kept with probability
 * p, upsampled bilinearly (half-pixel centres, as TensorFlow's {@code tf.image.resize}) to ⌊H(1 + 1/grid)⌋ ×
 * ⌊W(1 + 1/grid)⌋ and cropped to H × W at an offset drawn per mask, uniform in {0, …, upsampled − H} per axis. One
 * value per pixel (no channel axis), in [0, 1]. The draws are made once, in order (cells then offsets, mask by mask);
 * {@link #mask} materialises one mask from them.
 */
final class RiseMasks {

    private final int count;
    private final int grid;
    private final int height;
    private final int width;
    private final boolean[][] cells; // [mask][row · grid + column]
    private final int[] rowOffset;
    private final int[] columnOffset;
    private final Axis rows;
    private final Axis columns;

    RiseMasks(int count, int grid, double preservation, int height, int width, long seed) {
        if (count < 1) throw new IllegalArgumentException("masks must be >= 1, got " + count);
        if (grid < 1) throw new IllegalArgumentException("grid must be >= 1, got " + grid);
        if (!(preservation > 0 && preservation <= 1)) {
            throw new IllegalArgumentException("preservation probability must be in (0, 1], got " + preservation);
        }
        this.count = count;
        this.grid = grid;
        this.height = height;
        this.width = width;
        // Xplique: int(H · (1.0 + 1.0 / grid)), the upsampled size of a grid one cell larger than the image
        int upHeight = (int) (height * (1.0 + 1.0 / grid));
        int upWidth = (int) (width * (1.0 + 1.0 / grid));
        this.rows = new Axis(grid, upHeight);
        this.columns = new Axis(grid, upWidth);
        this.cells = new boolean[count][grid * grid];
        this.rowOffset = new int[count];
        this.columnOffset = new int[count];
        Random random = new Random(seed);
        for (int k = 0; k < count; k++) {
            for (int q = 0; q < grid * grid; q++) cells[k][q] = random.nextDouble() < preservation;
            rowOffset[k] = random.nextInt(upHeight - height + 1);
            columnOffset[k] = random.nextInt(upWidth - width + 1);
        }
    }

    int count() {
        return count;
    }

    int height() {
        return height;
    }

    int width() {
        return width;
    }

    /** Whether cell (row, column) of mask {@code k}'s grid is kept. */
    boolean cell(int k, int row, int column) {
        return cells[k][row * grid + column];
    }

    int rowOffset(int k) {
        return rowOffset[k];
    }

    int columnOffset(int k) {
        return columnOffset[k];
    }

    /** Mask {@code k}, {@code [H · W]} row-major. */
    float[] mask(int k) {
        float[] out = new float[height * width];
        boolean[] c = cells[k];
        for (int y = 0; y < height; y++) {
            int yy = y + rowOffset[k];
            int top = rows.lower[yy] * grid;
            int bottom = rows.upper[yy] * grid;
            float yLerp = rows.lerp[yy];
            for (int x = 0; x < width; x++) {
                int xx = x + columnOffset[k];
                int left = columns.lower[xx];
                int right = columns.upper[xx];
                float xLerp = columns.lerp[xx];
                float tl = c[top + left] ? 1f : 0f;
                float tr = c[top + right] ? 1f : 0f;
                float bl = c[bottom + left] ? 1f : 0f;
                float br = c[bottom + right] ? 1f : 0f;
                float upper = tl + (tr - tl) * xLerp;
                float lower = bl + (br - bl) * xLerp;
                out[y * width + x] = upper + (lower - upper) * yLerp;
            }
        }
        return out;
    }

    /** Bilinear resize weights of one axis, {@code in} cells to {@code out} pixels, half-pixel centres. */
    private static final class Axis {
        final int[] lower;
        final int[] upper;
        final float[] lerp;

        Axis(int in, int out) {
            lower = new int[out];
            upper = new int[out];
            lerp = new float[out];
            float scale = (float) in / out;
            for (int i = 0; i < out; i++) {
                float source = (i + 0.5f) * scale - 0.5f;
                float floor = (float) Math.floor(source);
                lower[i] = Math.max((int) floor, 0);
                upper[i] = Math.min((int) Math.ceil(source), in - 1);
                lerp[i] = source - floor;
            }
        }
    }
}
