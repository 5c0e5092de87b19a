package io.otnn.explain.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorFlowEnvironmentTest {

    /** What TensorFlow 2.10 logs (at INFO) when it runs its oneDNN kernels. */
    private static final String ONEDNN_ON = "oneDNN custom operations are on";

    @TempDir
    Path dir;

    @Test
    void shouldTurnOneDnnOnInTheNativeEnvironmentUnlessTheProcessWasGivenAValue() {
        TensorFlowEnvironment.prepare();
        String given = System.getenv(TensorFlowEnvironment.ONEDNN);
        assertThat(TensorFlowEnvironment.nativeValue(TensorFlowEnvironment.ONEDNN))
                .isEqualTo(given != null ? given : TensorFlowEnvironment.ONEDNN_DEFAULT);
    }

    @Test
    void shouldMakeTensorFlowRunItsOneDnnKernelsWhenTheEnvironmentSaysNothing() throws Exception {
        Child child = probe(null);
        assertThat(child.stdout()).contains("product-sum=54.0", "TF_ENABLE_ONEDNN_OPTS=1");
        assertThat(child.stderr()).contains(ONEDNN_ON);
    }

    @Test
    void shouldLeaveAnOperatorsChoiceAlone() throws Exception {
        Child child = probe("0");
        assertThat(child.stdout()).contains("product-sum=54.0", "TF_ENABLE_ONEDNN_OPTS=0");
        assertThat(child.stderr()).doesNotContain(ONEDNN_ON);
    }

    private record Child(String stdout, String stderr) {}

    private Child probe(String oneDnn) throws IOException, InterruptedException {
        Path out = dir.resolve("out-" + oneDnn + ".txt");
        Path err = dir.resolve("err-" + oneDnn + ".txt");
        ProcessBuilder builder = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        TensorFlowEnvironmentProbe.class.getName()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().remove(TensorFlowEnvironment.ONEDNN);
        if (oneDnn != null) builder.environment().put(TensorFlowEnvironment.ONEDNN, oneDnn);
        // TensorFlow's INFO lines, where it says which kernels it runs
        builder.environment().put("TF_CPP_MIN_LOG_LEVEL", "0");
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the probe did not finish in 120 s");
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(stderr).isZero();
        return new Child(stdout, stderr);
    }
}
