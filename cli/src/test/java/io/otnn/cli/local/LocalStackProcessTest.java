package io.otnn.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.cli.OtnnCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code otnn local-stack} as a real child process with the product's {@code logback.xml}: Ctrl-C (a real SIGINT)
 * stops it with exit code 130 and frees both ports; {@code -q} and {@code -v} change what it logs. Each test fails
 * after its timeout instead of hanging (the test body runs in its own thread), and every child is killed afterwards.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LocalStackProcessTest {

    /** What the product's pattern ({@code %-5level %logger{20}}) gives for the INFO line of a ready stack. */
    private static final String READY = "INFO  i.o.c.l.LocalStackCommand - Local stack ready";

    @TempDir
    Path tmp;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** A started child, its stdout lines until both addresses are printed, and the file its stderr goes to. */
    private record Child(Process process, String bootstrap, String registryUrl, Path stderr) {}

    private Child start(String name, String... args) throws IOException, URISyntaxException {
        Path logback =
                Path.of(LocalStackProcessTest.class.getResource("/logback.xml").toURI());
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Dlogback.configurationFile=" + logback,
                OtnnCommand.class.getName()));
        command.addAll(List.of(args));
        Path stderr = tmp.resolve(name + ".stderr");
        Process p = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        children.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String kafka = out.readLine();
        String registry = out.readLine();
        assertThat(kafka)
                .as("first stdout line; stderr: %s", Files.readString(stderr))
                .startsWith(LocalStackCommand.KAFKA_LINE);
        assertThat(registry).startsWith(LocalStackCommand.REGISTRY_LINE);
        return new Child(
                p,
                kafka.substring(LocalStackCommand.KAFKA_LINE.length()),
                registry.substring(LocalStackCommand.REGISTRY_LINE.length()),
                stderr);
    }

    /** Sends SIGINT, what Ctrl-C sends (the JDK can only send SIGTERM and SIGKILL itself). */
    private static int interrupt(Process p) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid()))
                .inheritIO()
                .start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
        assertThat(p.waitFor(90, TimeUnit.SECONDS))
                .as("the child stops after SIGINT")
                .isTrue();
        return p.exitValue();
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    private static boolean portIsFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void shouldExitWith130AndFreeThePortsWhenInterruptedLikeCtrlC() throws Exception {
        Child c = start("sigint", "local-stack");
        assertThat(interrupt(c.process())).isEqualTo(130);
        assertThat(portIsFree(port(c.bootstrap()))).as("Kafka port released").isTrue();
        assertThat(portIsFree(port(c.registryUrl())))
                .as("registry port released")
                .isTrue();
        String log = Files.readString(c.stderr());
        // the default level: otnn at INFO, Kafka at ERROR
        assertThat(log).contains(READY).contains("Local stack stopped in");
        assertThat(log.lines().filter(l -> l.contains("INFO  o.a.k") || l.contains("INFO  k.")))
                .isEmpty();
    }

    @Test
    void shouldLogOnlyWarningsWhenQuiet() throws Exception {
        Child c = start("quiet", "-q", "local-stack");
        assertThat(interrupt(c.process())).isEqualTo(130);
        String log = Files.readString(c.stderr());
        assertThat(log).doesNotContain(READY).doesNotContain(" INFO ").doesNotContain(" DEBUG ");
    }

    @Test
    void shouldLogKafkasInfoLinesWhenVerbose() throws Exception {
        Child c = start("verbose", "-v", "local-stack");
        assertThat(interrupt(c.process())).isEqualTo(130);
        String log = Files.readString(c.stderr());
        assertThat(log).contains(READY);
        // Kafka's own INFO lines (loggers o.a.k… or kafka…) appear only from -v on
        assertThat(log.lines().filter(l -> l.contains("INFO  o.a.k") || l.contains("INFO  k.")))
                .isNotEmpty();
        assertThat(log).doesNotContain(" DEBUG o.a.k").doesNotContain(" TRACE ");
    }
}
