package io.otnn.cli.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.explain.testing.Fixtures;
import io.otnn.local.LocalStack;
import io.otnn.local.LocalStackConfig;
import io.otnn.local.security.SecurityMaterial;
import io.otnn.local.security.StackSecurity;
import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.testing.CapturedLogs;
import io.otnn.streams.testing.SecureExplainerFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code otnn explain --config FILE} against a broker whose client listener requires SASL_SSL (SCRAM-SHA-512): a
 * wrong password in the file ends the command with exit 1 and one line, without a retry storm (the secure scenarios
 * of the explainer itself are stream-explainer's SecurityTest).
 */
class ExplainCommandSecurityTest {

    private static final String EXPLAINER = "explainer";

    private static LocalStack stack;
    private static SecurityMaterial security;

    @RegisterExtension
    final CapturedLogs logs = new CapturedLogs();

    @TempDir
    Path dir;

    @BeforeAll
    static void startSecureStack() {
        stack = LocalStack.start(LocalStackConfig.builder()
                .security(StackSecurity.saslSsl()
                        .mechanism("SCRAM-SHA-512")
                        .user(StackSecurity.DEFAULT_USER, StackSecurity.randomSecret())
                        .user(EXPLAINER, StackSecurity.randomSecret())
                        .build())
                .build());
        security = stack.security().orElseThrow();
    }

    @AfterAll
    static void stopSecureStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void shouldExitOneWithinAMinuteWhenOtnnExplainReadsAWrongPasswordFromItsConfigFile() throws Exception {
        String prefix = "cli-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        SecureExplainerFiles.createTopics(stack, prefix);
        Path config = SecureExplainerFiles.explainerConfig(
                security,
                EXPLAINER,
                prefix,
                dir,
                Map.of(
                        ExplainerConfig.TOPICS_CREATE_CONFIG,
                        "false",
                        "sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + EXPLAINER
                                + "\" password=\"not-the-password\";"));
        CommandLine explain = new CommandLine(new ExplainCommand());
        StringWriter err = new StringWriter();
        explain.setErr(new PrintWriter(err, true));

        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> explain.execute(
                "--config", config.toString(), "--model", Fixtures.denseMnist().toString()));

        assertThat(exit.get(60, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(err.toString()).doesNotContain("not-the-password");
        logs.assertNoRetryStorm();
    }
}
