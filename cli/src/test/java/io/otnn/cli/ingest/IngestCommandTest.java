package io.otnn.cli.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.local.LocalStack;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code otnn ingest} against a real broker and registry (the publishing itself is tested in ingest). */
class IngestCommandTest {

    private static LocalStack stack;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        stack = LocalStack.start();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void shouldExitNonZeroWithAOneLineMessageWhenNothingCanBeSent() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new IngestCommand());
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        int exit = command.execute(
                "--source",
                dir.resolve("missing.png").toString(),
                "--bootstrap-servers",
                stack.bootstrapServers(),
                "--schema-registry",
                stack.schemaRegistryUrl(),
                "--topic",
                "unused");
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("missing.png");
        assertThat(out.toString()).contains("Sent 0 image(s)").contains("1 unreadable");
    }
}
