package io.otnn.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.otnn.local.LocalStack;
import io.otnn.local.LocalStackConfig;
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
 * Prints {@code KAFKA_BOOTSTRAP_SERVERS=…} and {@code SCHEMA_REGISTRY_URL=…} on stdout (shell-friendly).
 */
@Command(name = "local-stack", mixinStandardHelpOptions = true,
        description = {"Run a single-node Kafka broker (KRaft) and a Confluent-compatible schema registry "
                + "on 127.0.0.1 until Ctrl-C.",
                "Prints KAFKA_BOOTSTRAP_SERVERS=... and SCHEMA_REGISTRY_URL=... on stdout."})
public final class LocalStackCommand implements Callable<Integer> {

    /** Prefix of the line that carries the broker address. */
    public static final String KAFKA_LINE = "KAFKA_BOOTSTRAP_SERVERS=";
    /** Prefix of the line that carries the registry URL. */
    public static final String REGISTRY_LINE = "SCHEMA_REGISTRY_URL=";

    @Mixin
    LoggingMixin logging;

    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keep broker data and schemas here across runs (default: a temporary directory, deleted on exit).")
    Path dataDir;

    @Option(names = "--kafka-port", paramLabel = "PORT", description = "Broker port (default: a free port).")
    int kafkaPort;

    @Option(names = "--registry-port", paramLabel = "PORT", description = "Schema registry port (default: a free port).")
    int registryPort;

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

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
        Logger log = LoggerFactory.getLogger(LocalStackCommand.class);
        long start = System.nanoTime();
        LocalStack stack = LocalStack.start(config.build());
        Thread hook = new Thread(this::onShutdown, "otnn-local-stack-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            PrintWriter out = spec.commandLine().getOut();
            out.println(KAFKA_LINE + stack.bootstrapServers());
            out.println(REGISTRY_LINE + stack.schemaRegistryUrl());
            out.flush();
            log.info("Local stack ready in {} ms (data in {}). Press Ctrl-C to stop.",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), stack.dataDir());
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            long stopStart = System.nanoTime();
            stack.close();
            log.info("Local stack stopped in {} ms.", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopStart));
            stopped.countDown();
            removeHook(hook);
        }
        return 0;
    }

    /** Asks a running command to stop; returns at once. */
    void requestStop() {
        stopRequested.countDown();
    }

    private void onShutdown() {
        requestStop();
        try {
            // let the main thread close the stack before the JVM halts
            stopped.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down (Ctrl-C): the hook is running
        }
    }
}
