package io.otnn.cli.training;

import io.otnn.cli.StopOnSignal;
import io.otnn.training.TrainerService;
import io.otnn.training.kafka.KafkaSettings;
import io.otnn.training.store.ModelStoreServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code otnn trainer serve}: the trainer service until Ctrl-C or SIGTERM (the running job saves its state and is
 * resumed at the next start). Prints {@code TRAINER_READY} and, with {@code --http-port}, {@code MODEL_STORE_URL=…}.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Train the requests of otnn.training.requests one at a time, publish their status on otnn.training.status,"
                    + " keep the versions in --store, serve it over HTTP and announce each version on otnn.models.",
            "Runs until Ctrl-C or SIGTERM."
        })
public final class TrainerServeCommand implements Callable<Integer> {

    public static final String READY_LINE = "TRAINER_READY";
    public static final String URL_LINE = "MODEL_STORE_URL=";

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Option(names = "--store", required = true, paramLabel = "DIR", description = "The model store and job journal.")
    Path store;

    @Option(
            names = "--http-port",
            paramLabel = "PORT",
            description = "Serve the store over HTTP on this port (0: a free one); not served without.")
    Integer httpPort;

    @Option(
            names = "--bind",
            paramLabel = "ADDRESS",
            defaultValue = ModelStoreServer.DEFAULT_BIND,
            description = "Address the HTTP server listens on (default: ${DEFAULT-VALUE}, loopback only).")
    String bind;

    @Option(
            names = "--group-id",
            defaultValue = TrainerService.DEFAULT_GROUP_ID,
            description = "Consumer group of the requests (default: ${DEFAULT-VALUE}).")
    String groupId;

    @Option(names = "--instance", description = "This instance's name in the status records (default host-pid).")
    String instance;

    private final StopOnSignal stop = new StopOnSignal(Duration.ofSeconds(120));

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        KafkaSettings settings = kafka.settings(cmd);
        TrainerService service;
        try {
            service = TrainerService.builder()
                    .kafka(settings.bootstrapServers(), settings.schemaRegistryUrl())
                    .clientProperties(settings.clientProperties())
                    .store(store)
                    .httpPort(httpPort)
                    .bind(bind)
                    .groupId(groupId)
                    .instanceId(instance)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
        stop.install("otnn-trainer-shutdown");
        try (TrainerService running = service.start()) {
            PrintWriter out = cmd.getOut();
            running.httpUrl().ifPresent(url -> out.println(URL_LINE + url));
            out.println(READY_LINE);
            out.flush();
            stop.await();
        } finally {
            stop.stopped();
        }
        return 0;
    }

    /** Asks a running command to stop; returns at once. */
    void requestStop() {
        stop.requestStop();
    }
}
