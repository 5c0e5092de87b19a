package io.otnn.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Exit;
import org.junit.jupiter.api.Test;

/** Kafka's requests to end the JVM: ignored while a broker stops, carried out otherwise. */
class KafkaExitGuardTest {

    @Test
    void shouldKeepTheJvmAliveWhenKafkaAsksToEndItWhileABrokerStops() {
        KafkaExitGuard.install();
        int before = KafkaExitGuard.ignoredRequests();

        KafkaExitGuard.whileStopping(() -> {
            Exit.halt(1, "all log dirs have failed");
            Exit.exit(1, "fatal error in a request handler");
        });

        // reaching this line is the point: without the guard the test JVM would have halted
        assertThat(KafkaExitGuard.ignoredRequests()).isEqualTo(before + 2);
    }

    @Test
    void shouldEndTheJvmWithKafkasStatusWhenNoBrokerStops() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        HaltingMain.class.getName())
                .redirectErrorStream(true);
        Process child = builder.start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(output).isEqualTo(HaltingMain.STATUS);
        assertThat(output)
                .contains("hit a fatal fault and ends the JVM (halt with status 7: injected fault)")
                .doesNotContain("still alive");
    }

    /** A JVM whose Kafka code asks to halt, with no broker stopping. */
    static final class HaltingMain {
        static final int STATUS = 7;

        public static void main(String[] args) throws IOException {
            KafkaExitGuard.install();
            Exit.halt(STATUS, "injected fault");
            System.out.println("still alive");
        }
    }
}
