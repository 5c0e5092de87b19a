package io.otnn.cli.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.cli.OtnnCommand;
import io.otnn.dashboard.DashboardConfig;
import io.otnn.local.LocalStack;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code otnn dashboard}: misuse is one line on stderr and exit 2, found before anything is contacted. */
class DashboardCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private int run(String... args) {
        CommandLine cmd = OtnnCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    private String oneErrorLine() {
        assertThat(err.toString().lines()).hasSize(1);
        assertThat(err.toString())
                .startsWith("otnn: ")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
        return err.toString();
    }

    @Test
    void shouldPrintOneLineAndExit2WhenTheBrokerIsMissing() {
        assertThat(run("dashboard", "--schema-registry", "http://127.0.0.1:1")).isEqualTo(2);
        assertThat(oneErrorLine()).contains("--bootstrap-servers");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenTheRegistryIsMissing() {
        assertThat(run("dashboard", "--bootstrap-servers", "127.0.0.1:1")).isEqualTo(2);
        assertThat(oneErrorLine()).contains("--schema-registry");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenThePortIsNotANumber() {
        assertThat(run(
                        "dashboard",
                        "--bootstrap-servers",
                        "b:1",
                        "--schema-registry",
                        "http://r:1",
                        "--http-port",
                        "eighty"))
                .isEqualTo(2);
        assertThat(oneErrorLine()).contains("--http-port").contains("eighty");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenThePortIsOutOfRange() {
        assertThat(run(
                        "dashboard",
                        "--bootstrap-servers",
                        "b:1",
                        "--schema-registry",
                        "http://r:1",
                        "--http-port",
                        "70000"))
                .isEqualTo(2);
        assertThat(oneErrorLine()).contains("0..65535");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenAUserHasNoPassword() {
        DashboardCommand command = new DashboardCommand().environment(Map.of());
        CommandLine cmd = new CommandLine(command);
        cmd.setErr(new PrintWriter(err, true));
        cmd.setParameterExceptionHandler(OtnnCommand.commandLine().getParameterExceptionHandler());
        assertThat(cmd.execute("--bootstrap-servers", "b:1", "--schema-registry", "http://r:1", "--user", "auditor"))
                .isEqualTo(2);
        assertThat(oneErrorLine()).contains("--password-file").contains(DashboardCommand.PASSWORD_ENV);
    }

    @Test
    void shouldPrintOneLineAndExit2WhenAPasswordFileHasNoUser() throws Exception {
        Path file = Files.writeString(dir.resolve("password"), "s3cret\n");
        assertThat(run(
                        "dashboard",
                        "--bootstrap-servers",
                        "b:1",
                        "--schema-registry",
                        "http://r:1",
                        "--password-file",
                        file.toString()))
                .isEqualTo(2);
        assertThat(oneErrorLine()).contains("--user").doesNotContain("s3cret");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenThePasswordFileIsMissing() {
        assertThat(run(
                        "dashboard",
                        "--bootstrap-servers",
                        "b:1",
                        "--schema-registry",
                        "http://r:1",
                        "--user",
                        "a",
                        "--password-file",
                        dir.resolve("none").toString()))
                .isEqualTo(2);
        assertThat(oneErrorLine()).contains("no such file");
    }

    @Test
    void shouldRefuseAPasswordOnTheCommandLineWhenOneIsGiven() {
        assertThat(run(
                        "dashboard",
                        "--bootstrap-servers",
                        "b:1",
                        "--schema-registry",
                        "http://r:1",
                        "--user",
                        "a",
                        "--password",
                        "s3cret"))
                .isEqualTo(2);
        assertThat(oneErrorLine()).contains("never taken from the command line").doesNotContain("s3cret");
    }

    @Test
    void shouldReadThePasswordFromTheFileAndBindToLoopbackWhenNoBindIsGiven() throws Exception {
        Path file = Files.writeString(dir.resolve("password"), "s3cret\nignored second line\n");
        DashboardCommand command = new DashboardCommand();
        new CommandLine(command)
                .parseArgs(
                        "--bootstrap-servers",
                        "b:1",
                        "--schema-registry",
                        "http://r:1",
                        "--user",
                        "auditor",
                        "--password-file",
                        file.toString(),
                        "-p",
                        "topic.metrics=my.metrics");

        DashboardConfig config = command.configuration();

        assertThat(config.bind()).isEqualTo("127.0.0.1");
        assertThat(config.user()).isEqualTo("auditor");
        assertThat(new String(config.password())).isEqualTo("s3cret");
        assertThat(config.topic(DashboardConfig.TOPIC_METRICS_CONFIG)).isEqualTo("my.metrics");
        assertThat(config.topic(DashboardConfig.TOPIC_EXPLANATIONS_CONFIG)).isEqualTo("otnn.explanations");
        assertThat(config.toString()).doesNotContain("s3cret");
    }

    @Test
    void shouldPrintOneLineAndExit1WhenTheHttpPortIsInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(run(
                            "dashboard",
                            "--bootstrap-servers",
                            "127.0.0.1:1",
                            "--schema-registry",
                            "http://127.0.0.1:1",
                            "--http-port",
                            Integer.toString(taken.getLocalPort())))
                    .isEqualTo(1);
            assertThat(oneErrorLine()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void shouldPrintTheUrlAndServeThePageUntilStoppedWhenRunOnALocalStack() throws Exception {
        try (LocalStack stack = LocalStack.start()) {
            DashboardCommand command = new DashboardCommand();
            CommandLine cmd = new CommandLine(command);
            StringWriter printed = new StringWriter();
            cmd.setOut(new PrintWriter(printed, true));
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cmd.execute(
                    "--bootstrap-servers",
                    stack.bootstrapServers(),
                    "--schema-registry",
                    stack.schemaRegistryUrl(),
                    "--http-port",
                    "0"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!printed.toString().contains(DashboardCommand.URL_LINE)
                    && System.nanoTime() < deadline
                    && !exit.isDone()) {
                Thread.sleep(20);
            }
            String line = printed.toString()
                    .lines()
                    .filter(l -> l.startsWith(DashboardCommand.URL_LINE))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no " + DashboardCommand.URL_LINE + " line: " + printed));
            URI url = URI.create(line.substring(DashboardCommand.URL_LINE.length()));
            assertThat(url.getHost()).isEqualTo("127.0.0.1");

            HttpResponse<String> page = HttpClient.newHttpClient()
                    .send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("otnn <span>audit dashboard</span>");

            command.requestStop();
            assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        }
    }
}
