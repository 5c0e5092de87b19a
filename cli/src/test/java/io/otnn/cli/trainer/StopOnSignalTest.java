package io.otnn.cli.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.trainer.Fixtures;
import io.otnn.trainer.train.TrainingState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real signal to a real training process: SIGINT, what Ctrl-C sends (it runs the JVM's shutdown hooks, as SIGTERM
 * does), makes the loop finish its step, save the state and exit with code 130 without publishing a checkpoint. The test fails after its
 * timeout instead of hanging (its body runs in its own thread, so a blocked read of the child's output cannot hold it),
 * and the child is killed afterwards whatever happened.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StopOnSignalTest {

    @TempDir
    Path tmp;

    private Process child;

    @AfterEach
    void killTheChild() throws InterruptedException {
        if (child != null) {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Whether this JVM ignores SIGINT (its children inherit that): bit 2 of the SigIgn mask in /proc/self/status. */
    private static boolean sigintIgnored() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 1)) != 0;
            }
        }
        return false;
    }

    @Test
    void shouldSaveTheStateAndPublishNothingWhenTheProcessIsSignalled() throws Exception {
        Path out = tmp.resolve("ckpt");
        ProcessBuilder pb = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                TrainCommand.class.getName(),
                "--data",
                "fashion-mnist",
                "--data-dir",
                Fixtures.fashionMnistMini().toString(),
                "--epochs",
                "1000",
                "--width",
                "0.25",
                "--no-progress",
                "--out",
                out.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        child = p;
        // the child's output is read on a thread of its own, so that every wait below is bounded and a failure shows
        // what the child printed
        StringBuffer log = new StringBuffer();
        CountDownLatch secondEpoch = new CountDownLatch(1);
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader r =
                            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            log.append(line).append('\n');
                            if (line.contains("epoch 2/1000")) secondEpoch.countDown();
                        }
                    } catch (IOException e) {
                        log.append("(output unreadable: ")
                                .append(e.getMessage())
                                .append(")\n");
                    }
                },
                "training-child-output");
        reader.setDaemon(true);
        reader.start();
        assertThat(secondEpoch.await(120, TimeUnit.SECONDS))
                .as("the second epoch ends within 120 s; the child printed:%n%s", log)
                .isTrue();
        // the JDK can only send SIGTERM and SIGKILL; kill(1) sends SIGINT. A process started in the background by a
        // non-interactive shell inherits SIGINT ignored, and then the JVM installs no handler for it: Ctrl-C cannot
        // reach it there, so the test sends SIGTERM instead, which runs the same shutdown hook
        String signal = sigintIgnored() ? "TERM" : "INT";
        int expectedExit = signal.equals("INT") ? 130 : 143;
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid()))
                .inheritIO()
                .start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.waitFor(90, TimeUnit.SECONDS))
                .as("the child stops within 90 s of SIG%s; it printed:%n%s", signal, log)
                .isTrue();
        reader.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(p.exitValue()).as(log.toString()).isEqualTo(expectedExit);
        assertThat(log.toString()).contains("stopped at epoch");
        TrainingState state = TrainingState.read(tmp.resolve("ckpt.state"));
        assertThat(state).isNotNull();
        assertThat(state.epoch()).isGreaterThanOrEqualTo(2);
        assertThat(out).doesNotExist();
    }
}
