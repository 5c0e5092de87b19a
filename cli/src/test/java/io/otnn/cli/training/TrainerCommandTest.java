package io.otnn.cli.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.TrainingJobState;
import io.otnn.avro.TrainingStatus;
import io.otnn.cli.OtnnCommand;
import io.otnn.local.LocalStack;
import io.otnn.training.kafka.KafkaSettings;
import io.otnn.training.status.StatusPublisher;
import io.otnn.training.testing.SmallRequests;
import io.otnn.training.testing.StatusReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code otnn trainer serve} and {@code otnn trainer request}: misuse is one line and exit 2; a real round trip. */
class TrainerCommandTest {

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
    void shouldPrintOneLineAndExit2WhenServeLacksTheStore() {
        assertThat(run("trainer", "serve", "--bootstrap-servers", "b:1", "--schema-registry", "http://r:1"))
                .isEqualTo(2);
        assertThat(oneErrorLine()).contains("--store");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenServeLacksTheBroker() {
        assertThat(run("trainer", "serve", "--schema-registry", "http://r:1", "--store", dir.toString()))
                .isEqualTo(2);
        assertThat(oneErrorLine()).contains("--bootstrap-servers");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenThePortIsOutOfRange() {
        assertThat(run(
                        "trainer",
                        "serve",
                        "--bootstrap-servers",
                        "b:1",
                        "--schema-registry",
                        "http://r:1",
                        "--store",
                        dir.toString(),
                        "--http-port",
                        "70000"))
                .isEqualTo(2);
        assertThat(oneErrorLine()).contains("65535");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenNoSubcommandIsGiven() {
        assertThat(run("trainer")).isEqualTo(2);
        assertThat(oneErrorLine()).contains("serve or request");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenTheRequestHasABadHyperParameter() {
        assertThat(run(
                        "trainer",
                        "request",
                        "--bootstrap-servers",
                        "b:1",
                        "--schema-registry",
                        "http://r:1",
                        "--name",
                        "m",
                        "--data",
                        "koch",
                        "--epochs",
                        "2",
                        "--lambda",
                        "0"))
                .isEqualTo(2);
        assertThat(oneErrorLine()).contains("lambda must be > 0");
        err.getBuffer().setLength(0);
        assertThat(run(
                        "trainer",
                        "request",
                        "--bootstrap-servers",
                        "b:1",
                        "--schema-registry",
                        "http://r:1",
                        "--name",
                        "m",
                        "--data",
                        "cifar",
                        "--epochs",
                        "2"))
                .isEqualTo(2);
        assertThat(oneErrorLine()).contains("unknown data source 'cifar'");
    }

    @Test
    void shouldTrainTheRequestSentByTheCommandWhenTheServiceRuns() throws Exception {
        try (LocalStack stack = LocalStack.start()) {
            CommandLine serve = OtnnCommand.commandLine();
            StringWriter serveOut = new StringWriter();
            serve.setOut(new PrintWriter(serveOut, true));
            serve.setErr(new PrintWriter(err, true));
            CompletableFuture<Integer> serving = CompletableFuture.supplyAsync(() -> serve.execute(
                    "trainer",
                    "serve",
                    "--bootstrap-servers",
                    stack.bootstrapServers(),
                    "--schema-registry",
                    stack.schemaRegistryUrl(),
                    "--store",
                    dir.resolve("store").toString(),
                    "--http-port",
                    "0"));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!serveOut.toString().contains(TrainerServeCommand.READY_LINE)) {
                assertThat(System.nanoTime()).as("TRAINER_READY in time").isLessThan(deadline);
                assertThat(serving).isNotDone();
                Thread.sleep(50);
            }
            assertThat(serveOut.toString()).contains(TrainerServeCommand.URL_LINE + "http://127.0.0.1:");

            int code = run(
                    "trainer",
                    "request",
                    "--bootstrap-servers",
                    stack.bootstrapServers(),
                    "--schema-registry",
                    stack.schemaRegistryUrl(),
                    "--name",
                    "cli-model",
                    "--data",
                    "fashion-mnist",
                    "--data-dir",
                    SmallRequests.sampleData().toAbsolutePath().toString(),
                    "--epochs",
                    "1",
                    "--width",
                    "0.125",
                    "--limit",
                    "256",
                    "--test-limit",
                    "100");
            assertThat(code).as(err.toString()).isZero();
            String id = out.toString().trim();
            assertThat(id).matches("[0-9a-f-]{36}");
            KafkaSettings kafka = new KafkaSettings(stack.bootstrapServers(), stack.schemaRegistryUrl());
            try (StatusReader<TrainingStatus> statuses = StatusReader.statuses(kafka, StatusPublisher.TOPIC)) {
                TrainingStatus done = statuses.await(StatusReader.ended(id), Duration.ofMinutes(4), "the end");
                assertThat(done.getState()).as(String.valueOf(done.getError())).isEqualTo(TrainingJobState.SUCCEEDED);
                assertThat(done.getModelVersion()).isEqualTo(1);
            }
            serve.getCommand();
            TrainerServeCommand command = (TrainerServeCommand) serve.getSubcommands()
                    .get("trainer")
                    .getSubcommands()
                    .get("serve")
                    .getCommand();
            command.requestStop();
            assertThat(serving.get(2, TimeUnit.MINUTES)).isZero();
        }
    }
}
