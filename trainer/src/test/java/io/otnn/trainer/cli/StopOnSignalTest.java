package io.otnn.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.trainer.Fixtures;
import io.otnn.trainer.train.TrainingState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real signal to a real training process: SIGTERM (what Ctrl-C's SIGINT also triggers: the JVM's shutdown hooks)
 * makes the loop finish its step, save the state and exit without publishing a checkpoint.
 */
class StopOnSignalTest {

    @TempDir
    Path tmp;

    @Test
    void shouldSaveTheStateAndPublishNothingWhenTheProcessIsSignalled() throws Exception {
        Path out = tmp.resolve("ckpt");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), TrainCommand.class.getName(),
                "--data", "fashion-mnist", "--data-dir", Fixtures.fashionMnistMini().toString(),
                "--epochs", "1000", "--width", "0.25", "--no-progress", "--out", out.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        StringBuilder log = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean signalled = false;
            while ((line = r.readLine()) != null) {
                log.append(line).append('\n');
                if (!signalled && line.contains("epoch 2/1000")) {
                    p.toHandle().destroy(); // SIGTERM, leaving our end of the pipe open
                    signalled = true;
                }
            }
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(log.toString()).contains("stopped at epoch");
        TrainingState state = TrainingState.read(tmp.resolve("ckpt.state"));
        assertThat(state).isNotNull();
        assertThat(state.epoch()).isGreaterThanOrEqualTo(2);
        assertThat(out).doesNotExist();
    }
}
