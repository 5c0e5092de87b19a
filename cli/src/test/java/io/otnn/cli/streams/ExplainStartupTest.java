package io.otnn.cli.streams;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.otnn.cli.OtnnCommand;
import io.otnn.local.LocalStack;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code otnn explain} pointed at dependencies that do not answer, run as a user runs it: a child JVM with the
 * distribution's logging configuration, its stderr read line by line as it comes.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ExplainStartupTest {

    private static final long TIMEOUT_MS = 8_000;
    private static final long WARNING_INTERVAL_MS = 1_000;

    private static LocalStack stack;

    @TempDir
    Path model;

    @BeforeAll
    static void startStack() {
        stack = LocalStack.start();
    }

    @AfterAll
    static void stopStack() {
        stack.close();
    }

    @Test
    void shouldSayConnectionRefusedAtOnceAndExit1AfterTimeoutWhenBrokerPortIsClosed() throws Exception {
        int closed = closedPort();
        Run run = explain("127.0.0.1:" + closed, stack.schemaRegistryUrl());
        assertThat(run.exitCode).isEqualTo(1);
        assertWaitedThenGaveUp(
                run, "the Kafka cluster at 127.0.0.1:" + closed, "connection refused by 127.0.0.1:" + closed);
    }

    @Test
    void shouldSayUnknownHostAndExit1AfterTimeoutWhenBrokerHostDoesNotResolve() throws Exception {
        Run run = explain("no-such-broker.invalid:9092", stack.schemaRegistryUrl());
        assertThat(run.exitCode).isEqualTo(1);
        assertWaitedThenGaveUp(
                run, "the Kafka cluster at no-such-broker.invalid:9092", "unknown host no-such-broker.invalid");
    }

    @Test
    void shouldSayConnectionRefusedAndExit1AfterTimeoutWhenRegistryPortIsClosed() throws Exception {
        int closed = closedPort();
        Run run = explain(stack.bootstrapServers(), "http://127.0.0.1:" + closed);
        assertThat(run.exitCode).isEqualTo(1);
        assertWaitedThenGaveUp(run, "the schema registry at http://127.0.0.1:" + closed, "connection refused");
    }

    @Test
    void shouldSayUnknownHostAndExit1AfterTimeoutWhenRegistryHostDoesNotResolve() throws Exception {
        Run run = explain(stack.bootstrapServers(), "http://no-such-registry.invalid:8081");
        assertThat(run.exitCode).isEqualTo(1);
        assertWaitedThenGaveUp(
                run,
                "the schema registry at http://no-such-registry.invalid:8081",
                "unknown host no-such-registry.invalid");
    }

    @Test
    void shouldExit1WithOneLineAtOnceWhenRegistryRefusesTheCredentials() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"registry\"");
            byte[] body = "{\"error_code\":401,\"message\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(401, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            Run run = explain(
                    stack.bootstrapServers(),
                    "http://127.0.0.1:" + server.getAddress().getPort(),
                    "-p",
                    "basic.auth.user.info=someone:wrong");
            assertThat(run.exitCode).isEqualTo(1);
            assertThat(run.lines).noneMatch(l -> l.contains("Waiting for"));
            assertThat(run.lastLine())
                    .startsWith("otnn: the schema registry at http://127.0.0.1:")
                    .contains("refused us", "HTTP 401", "credentials")
                    .doesNotContain("someone", "wrong");
            assertNoStackTrace(run);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void shouldSaySecurityProtocolMayNotMatchAndExit1AfterTimeoutWhenBrokerIsPlaintextButClientUsesTls()
            throws Exception {
        // the local broker listens in plaintext: a client that insists on TLS gets no Kafka answer
        // (each attempt waits up to 3 s for an answer: a longer timeout leaves room for repeated warnings)
        Run run = explain(
                stack.bootstrapServers(),
                stack.schemaRegistryUrl(),
                "-p",
                "security.protocol=SSL",
                "-p",
                "startup.timeout.ms=15000");
        assertThat(run.exitCode).isEqualTo(1);
        assertWaitedThenGaveUp(
                run,
                "the Kafka cluster at " + stack.bootstrapServers(),
                "the port accepts connections but no Kafka answer came",
                15_000);
        assertThat(run.lastLine()).contains("does security.protocol match it?");
    }

    @Test
    void shouldExit1WithOneLineAtOnceWhenBrokerRefusesSaslAuthentication() throws Exception {
        // credentials from a file, as a user gives them; the plaintext listener refuses the SASL handshake
        Path config = model.resolve("explainer.properties");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "security.protocol=SASL_PLAINTEXT",
                        "sasl.mechanism=PLAIN",
                        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
                                + "username=\"explainer\" password=\"not-the-password\";"));
        Run run = explain(stack.bootstrapServers(), stack.schemaRegistryUrl(), "--config", config.toString());
        assertThat(run.exitCode).isEqualTo(1);
        assertThat(run.lines).noneMatch(l -> l.contains("Still waiting"));
        assertThat(run.lastLine())
                .startsWith("otnn: the Kafka cluster at " + stack.bootstrapServers() + " refused us: ")
                .contains("Exception")
                .doesNotContain("not-the-password");
        assertNoStackTrace(run);
    }

    private static void assertWaitedThenGaveUp(Run run, String what, String reason) {
        assertWaitedThenGaveUp(run, what, reason, TIMEOUT_MS);
    }

    private static void assertWaitedThenGaveUp(Run run, String what, String reason, long timeoutMs) {
        List<Line> warnings = run.timed.stream()
                .filter(l -> l.text.contains(" WARN ") && l.text.contains("aiting for " + what))
                .toList();
        assertThat(warnings).as("warnings in %s", run.lines).isNotEmpty();
        assertThat(warnings.get(0).text)
                .contains(
                        "WARN",
                        "Waiting for " + what + ": " + reason,
                        "retrying for up to " + timeoutMs / 1000 + " s (startup.timeout.ms)");
        // the first warning comes with the first failed attempt, long before the timeout
        assertThat(warnings.get(0).millis).isLessThan(run.exitMillis - timeoutMs / 2);
        // and it is repeated about every warning interval while the wait lasts
        assertThat(warnings.subList(1, warnings.size()))
                .hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(l -> assertThat(l.text).contains("Still waiting for " + what + ": " + reason));
        assertThat(run.lastLine())
                .startsWith("otnn: gave up waiting for " + what + " after ")
                .contains("(startup.timeout.ms=" + timeoutMs + "): " + reason);
        assertThat(run.exitMillis).isGreaterThanOrEqualTo(timeoutMs);
        assertNoStackTrace(run);
    }

    private static void assertNoStackTrace(Run run) {
        assertThat(run.lines).noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by"));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private record Line(long millis, String text) {}

    private record Run(int exitCode, long exitMillis, List<Line> timed, List<String> lines) {
        String lastLine() {
            return lines.get(lines.size() - 1);
        }
    }

    private Run explain(String bootstrap, String registry, String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                // the distribution's logging, not the tests' logback-test.xml
                "-Dlogback.configurationFile="
                        + Path.of(OtnnCommand.class.getResource("/logback.xml").toURI()),
                "-cp",
                System.getProperty("java.class.path"),
                OtnnCommand.class.getName(),
                "explain",
                "--bootstrap-servers",
                bootstrap,
                "--schema-registry",
                registry,
                "--model",
                model.toString(),
                "-p",
                "startup.timeout.ms=" + TIMEOUT_MS,
                "-p",
                "startup.warning.interval.ms=" + WARNING_INTERVAL_MS,
                "-p",
                "application.id=startup-test",
                "-p",
                "state.dir=" + model.resolve("state")));
        command.addAll(List.of(extra));
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<Line> timed = new CopyOnWriteArrayList<>();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                timed.add(new Line((System.nanoTime() - start) / 1_000_000, line));
                System.out.println("otnn explain| " + line); // in the test report, for whoever reads a failure
            }
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS))
                .as("the command ended")
                .isTrue();
        long exitMillis = (System.nanoTime() - start) / 1_000_000;
        return new Run(
                process.exitValue(),
                exitMillis,
                timed,
                timed.stream().map(Line::text).toList());
    }
}
