package io.otnn.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.cli.OtnnCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PipedReader;
import java.io.PipedWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * {@code otnn local-stack} in-process: prints both addresses, serves them, and stops cleanly; a port in use is one
 * line on stderr and exit code 1. Each test fails after its timeout instead of hanging (the body runs in its own
 * thread, so a blocked read of the command's output cannot hold it), and a command still running is stopped.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LocalStackCommandTest {

    private LocalStackCommand running;

    @AfterEach
    void stopTheCommand() {
        if (running != null) running.requestStop();
    }

    @Test
    void shouldServePrintedAddressesAndStopCleanlyWhenRunOnGivenPorts() throws Exception {
        int kafkaPort = freePort();
        int registryPort = freePort();
        PipedWriter pipe = new PipedWriter();
        BufferedReader lines = new BufferedReader(new PipedReader(pipe, 4096));
        StringWriter err = new StringWriter();
        CommandLine cmd = OtnnCommand.commandLine();
        cmd.setOut(new PrintWriter(pipe, true));
        cmd.setErr(new PrintWriter(err, true));
        LocalStackCommand command = cmd.getSubcommands().get("local-stack").getCommand();
        running = command;
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cmd.execute(
                "local-stack",
                "--kafka-port",
                String.valueOf(kafkaPort),
                "--registry-port",
                String.valueOf(registryPort)));
        try {
            String bootstrap = value(lines.readLine(), LocalStackCommand.KAFKA_LINE);
            String registryUrl = value(lines.readLine(), LocalStackCommand.REGISTRY_LINE);
            assertThat(bootstrap).isEqualTo("127.0.0.1:" + kafkaPort);
            assertThat(registryUrl).isEqualTo("http://127.0.0.1:" + registryPort);

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                        .hasSize(1);
            }
            HttpResponse<String> subjects = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(registryUrl + "/subjects"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(subjects.statusCode()).isEqualTo(200);
            assertThat(subjects.body()).isEqualTo("[]");
        } finally {
            command.requestStop();
        }
        assertThat(exit.get(60, TimeUnit.SECONDS)).as(err.toString()).isZero();
        assertThat(portIsFree(kafkaPort)).as("Kafka port released").isTrue();
        assertThat(portIsFree(registryPort)).as("registry port released").isTrue();
    }

    @Test
    void shouldPrintAClientFileThatReachesTheSecureBrokerAndRegistryWhenRunWithSaslSsl() throws Exception {
        PipedWriter pipe = new PipedWriter();
        BufferedReader lines = new BufferedReader(new PipedReader(pipe, 4096));
        StringWriter err = new StringWriter();
        CommandLine cmd = OtnnCommand.commandLine();
        cmd.setOut(new PrintWriter(pipe, true));
        cmd.setErr(new PrintWriter(err, true));
        LocalStackCommand command = cmd.getSubcommands().get("local-stack").getCommand();
        CompletableFuture<Integer> exit =
                CompletableFuture.supplyAsync(() -> cmd.execute("local-stack", "--security", "sasl-ssl"));
        try {
            String bootstrap = value(lines.readLine(), LocalStackCommand.KAFKA_LINE);
            String registryUrl = value(lines.readLine(), LocalStackCommand.REGISTRY_LINE);
            java.nio.file.Path clientFile =
                    java.nio.file.Path.of(value(lines.readLine(), LocalStackCommand.CLIENT_CONFIG_LINE));
            assertThat(value(lines.readLine(), LocalStackCommand.CA_CERT_LINE)).endsWith("ca.crt");
            assertThat(registryUrl).startsWith("https://127.0.0.1:");

            java.util.Properties client = new java.util.Properties();
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(clientFile)) {
                client.load(in);
            }
            assertThat(client.getProperty("bootstrap.servers")).isEqualTo(bootstrap);
            assertThat(client.getProperty("security.protocol")).isEqualTo("SASL_SSL");
            Map<String, Object> config = new java.util.HashMap<>();
            client.stringPropertyNames().forEach(n -> config.put(n, client.getProperty(n)));
            try (Admin admin = Admin.create(config)) {
                assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                        .hasSize(1);
            }
            try (io.otnn.schemas.registry.SchemaRegistryClient registry =
                    io.otnn.schemas.registry.RestSchemaRegistryClient.fromConfig(config)) {
                assertThat(registry.getAllSubjects()).isEmpty();
            }
        } finally {
            command.requestStop();
        }
        assertThat(exit.get(60, TimeUnit.SECONDS)).as(err.toString()).isZero();
    }

    @Test
    void shouldExitTwoWhenTheSecurityModeIsUnknown() {
        StringWriter err = new StringWriter();
        CommandLine cmd = OtnnCommand.commandLine();
        cmd.setErr(new PrintWriter(err, true));
        assertThat(cmd.execute("local-stack", "--security", "kerberos")).isEqualTo(2);
        assertThat(err.toString()).contains("expected none or sasl-ssl");
    }

    @Test
    void shouldPrintOneLineAndExit1WhenTheKafkaPortIsInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = run(out, err, "local-stack", "--kafka-port", String.valueOf(port));
            assertThat(code).isEqualTo(OtnnCommand.EXIT_FAILURE).isEqualTo(1);
            assertThat(err.toString().lines())
                    .singleElement()
                    .asString()
                    .startsWith("otnn: ")
                    .contains("is port " + port + " already in use?");
            assertThat(out.toString()).isEmpty();
        }
    }

    @Test
    void shouldPrintOneLineAndExit1WhenTheRegistryPortIsInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            int kafkaPort = freePort();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = run(
                    out,
                    err,
                    "local-stack",
                    "--kafka-port",
                    String.valueOf(kafkaPort),
                    "--registry-port",
                    String.valueOf(port));
            assertThat(code).isEqualTo(1);
            assertThat(err.toString().lines())
                    .singleElement()
                    .asString()
                    .startsWith("otnn: ")
                    .contains("127.0.0.1:" + port)
                    .contains("already in use");
            assertThat(out.toString()).isEmpty();
            // the broker that had started is closed again
            assertThat(portIsFree(kafkaPort)).as("Kafka port released").isTrue();
        }
    }

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cmd = OtnnCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    private static String value(String line, String prefix) {
        assertThat(line).startsWith(prefix);
        return line.substring(prefix.length());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static boolean portIsFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
