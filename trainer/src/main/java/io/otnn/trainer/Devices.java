package io.otnn.trainer;

/** Which device TensorFlow places the graph on, for the log: CUDA natives (profile gpu) and a visible GPU, or the CPU. */
public final class Devices {
    private Devices() {}

    /** {@code GPU} with the CUDA natives and a visible device, else {@code CPU}. */
    public static String kind() {
        boolean gpuBuild =
                Devices.class.getClassLoader().getResource("org/tensorflow/internal/c_api/linux-x86_64-gpu") != null;
        String visible = System.getenv("CUDA_VISIBLE_DEVICES");
        return gpuBuild && (visible == null || !visible.isBlank()) ? "GPU" : "CPU";
    }

    public static String describe() {
        if (kind().equals("GPU")) {
            return "GPU (CUDA natives; TensorFlow places ops on /device:GPU:0 when a GPU is visible, else on the CPU)";
        }
        return "CPU (/job:localhost/replica:0/task:0/device:CPU:0, "
                + Runtime.getRuntime().availableProcessors() + " cores)";
    }
}
