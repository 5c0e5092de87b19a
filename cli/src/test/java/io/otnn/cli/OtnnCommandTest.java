package io.otnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The root command's contract: version, and misuse as one line on stderr with exit code 2. */
class OtnnCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = OtnnCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Test
    void shouldPrintProjectVersionWhenAskedForVersion() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString()).startsWith("otnn " + VersionProvider.version());
        assertThat(VersionProvider.version()).matches("\\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenOptionIsUnknown() {
        assertThat(run("--no-such-flag")).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString()
                .startsWith("otnn: ").contains("--no-such-flag");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldPrintOneLineAndExit2WhenPortIsNotANumber() {
        assertThat(run("local-stack", "--kafka-port", "abc")).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString().contains("--kafka-port").contains("abc");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenPortIsOutOfRange() {
        assertThat(run("local-stack", "--registry-port", "70000")).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString().contains("0..65535");
    }

    @Test
    void shouldPrintOneLineAndExit2WhenSubcommandIsMissing() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString().contains("subcommand");
    }

    @Test
    void shouldListLocalStackWhenAskedForHelp() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("local-stack");
    }
}
