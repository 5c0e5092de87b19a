package io.otnn.cli.local;

import io.otnn.cli.LoggingMixin;
import io.otnn.cli.StopOnSignal;
import io.otnn.local.LocalStack;
import io.otnn.local.LocalStackConfig;
import io.otnn.local.security.SecurityMaterial;
import io.otnn.local.security.StackSecurity;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code otnn local-stack}: runs a Kafka broker and a schema registry in the foreground until Ctrl-C.
 * Prints {@code KAFKA_BOOTSTRAP_SERVERS=…} and {@code SCHEMA_REGISTRY_URL=…} on stdout (shell-friendly); with
 * {@code --security sasl-ssl} also {@code CLIENT_CONFIG=…} (a client properties file holding the generated
 * credentials, for {@code --config}) and {@code CA_CERT=…} (the CA in PEM); no secret is printed.
 */
@Command(
        name = "local-stack",
        mixinStandardHelpOptions = true,
        description = {
            "Run a single-node Kafka broker (KRaft) and a Confluent-compatible schema registry "
                    + "on 127.0.0.1 until Ctrl-C.",
            "Prints KAFKA_BOOTSTRAP_SERVERS=... and SCHEMA_REGISTRY_URL=... on stdout; with --security sasl-ssl "
                    + "also CLIENT_CONFIG=... and CA_CERT=..."
        })
public final class LocalStackCommand implements Callable<Integer> {

    /** Prefix of the line that carries the broker address. */
    public static final String KAFKA_LINE = "KAFKA_BOOTSTRAP_SERVERS=";
    /** Prefix of the line that carries the registry URL. */
    public static final String REGISTRY_LINE = "SCHEMA_REGISTRY_URL=";
    /** Prefix of the line that carries the client properties file of a secure stack. */
    public static final String CLIENT_CONFIG_LINE = "CLIENT_CONFIG=";
    /** Prefix of the line that carries the CA certificate (PEM) of a secure stack. */
    public static final String CA_CERT_LINE = "CA_CERT=";

    /** What the stack requires of its clients. */
    enum Security {
        none,
        sasl_ssl
    }

    @Mixin
    LoggingMixin logging;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description =
                    "Keep broker data and schemas here across runs (default: a temporary directory, deleted on exit).")
    Path dataDir;

    @Option(names = "--kafka-port", paramLabel = "PORT", description = "Broker port (default: a free port).")
    int kafkaPort;

    @Option(
            names = "--registry-port",
            paramLabel = "PORT",
            description = "Schema registry port (default: a free port).")
    int registryPort;

    @Option(
            names = "--security",
            paramLabel = "MODE",
            converter = SecurityConverter.class,
            description = "none (default) or sasl-ssl: the broker requires SASL_SSL (SCRAM-SHA-512), the registry "
                    + "HTTPS with basic auth; a CA, a user 'otnn' with a random password and its client properties "
                    + "file are made in <data dir>/security.")
    Security security = Security.none;

    @Option(
            names = "--scram-mechanism",
            paramLabel = "MECHANISM",
            description = "SCRAM-SHA-512 (default) or SCRAM-SHA-256, with --security sasl-ssl.")
    String scramMechanism = "SCRAM-SHA-512";

    static final class SecurityConverter implements CommandLine.ITypeConverter<Security> {
        @Override
        public Security convert(String value) {
            return switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "none" -> Security.none;
                case "sasl-ssl", "sasl_ssl" -> Security.sasl_ssl;
                default ->
                    throw new CommandLine.TypeConversionException("expected none or sasl-ssl, got '" + value + "'");
            };
        }
    }

    // the hook lets the main thread close the stack before the JVM halts
    private final StopOnSignal stop = new StopOnSignal(Duration.ofSeconds(30));

    @Override
    public Integer call() {
        LocalStackConfig.Builder config = LocalStackConfig.builder();
        try {
            config.kafkaPort(kafkaPort).registryPort(registryPort);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (dataDir != null) {
            config.dataDir(dataDir);
        }
        if (security == Security.sasl_ssl) {
            try {
                config.security(
                        StackSecurity.saslSsl().mechanism(scramMechanism).build());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        Logger log = LoggerFactory.getLogger(LocalStackCommand.class);
        long start = System.nanoTime();
        LocalStack stack = LocalStack.start(config.build());
        stop.install("otnn-local-stack-shutdown");
        try {
            PrintWriter out = spec.commandLine().getOut();
            out.println(KAFKA_LINE + stack.bootstrapServers());
            out.println(REGISTRY_LINE + stack.schemaRegistryUrl());
            if (stack.security().isPresent()) {
                SecurityMaterial material = stack.security().get();
                out.println(CLIENT_CONFIG_LINE + material.clientPropertiesFile(StackSecurity.DEFAULT_USER));
                out.println(CA_CERT_LINE + material.caCertificate());
            }
            out.flush();
            log.info(
                    "Local stack ready in {} ms (data in {}). Press Ctrl-C to stop.",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                    stack.dataDir());
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            long stopStart = System.nanoTime();
            stack.close();
            log.info("Local stack stopped in {} ms.", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopStart));
            stop.stopped();
        }
        return 0;
    }

    /** Asks a running command to stop; returns at once. */
    void requestStop() {
        stop.requestStop();
    }
}
