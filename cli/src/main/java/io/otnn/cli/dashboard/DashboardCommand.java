package io.otnn.cli.dashboard;

import io.otnn.cli.LoggingMixin;
import io.otnn.cli.StopOnSignal;
import io.otnn.dashboard.Dashboard;
import io.otnn.dashboard.DashboardConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code otnn dashboard}: the live, read-only audit dashboard of the explainer's topics, until Ctrl-C. Prints
 * {@code DASHBOARD_URL=…} on stdout. The basic-auth password comes from {@code --password-file} or the environment
 * variable {@value #PASSWORD_ENV}, never from the command line.
 */
@Command(
        name = "dashboard",
        mixinStandardHelpOptions = true,
        description = {
            "Serve a live, read-only audit dashboard of otnn.metrics, otnn.explanations, otnn.images.dlq and "
                    + "otnn.models on http://127.0.0.1:PORT/ until Ctrl-C.",
            "Prints DASHBOARD_URL=... on stdout."
        })
public final class DashboardCommand implements Callable<Integer> {

    /** Prefix of the line that carries the page's address. */
    public static final String URL_LINE = "DASHBOARD_URL=";
    /** The environment variable that may hold the basic-auth password. */
    public static final String PASSWORD_ENV = "OTNN_DASHBOARD_PASSWORD";

    @Mixin
    LoggingMixin logging;

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-servers", description = "Kafka brokers (default: bootstrap.servers of --config).")
    String bootstrapServers;

    @Option(
            names = "--schema-registry",
            description = "Schema registry URL (default: schema.registry.url of --config).")
    String schemaRegistry;

    @Option(
            names = "--http-port",
            paramLabel = "PORT",
            description = "HTTP port (default: ${DEFAULT-VALUE}; 0: a free one).",
            defaultValue = "8088")
    int httpPort;

    @Option(
            names = "--bind",
            paramLabel = "ADDRESS",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; only loopback clients can connect).",
            defaultValue = DashboardConfig.DEFAULT_BIND)
    String bind;

    @Option(names = "--user", paramLabel = "USER", description = "Require HTTP basic auth as this user.")
    String user;

    @Option(
            names = "--password-file",
            paramLabel = "FILE",
            description = "File holding the basic-auth password (its first line); else $" + PASSWORD_ENV + ".")
    Path passwordFile;

    /** Only to refuse it without echoing the value: a password on the command line shows in ps and in the history. */
    @Option(names = "--password", hidden = true, paramLabel = "PASSWORD")
    String passwordOnCommandLine;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "Properties file: consumer and registry client settings (SASL_SSL, TLS, basic.auth.user.info), "
                            + "topic.metrics, topic.explanations, topic.dead.letters, topic.models, ...")
    Path config;

    @Option(
            names = {"-p", "--property"},
            description = "Any of those settings, e.g. -p topic.metrics=my.metrics.")
    Map<String, String> properties = new LinkedHashMap<>();

    private final StopOnSignal stop = new StopOnSignal(Duration.ofSeconds(30));
    private Map<String, String> environment = System.getenv();

    /** For tests: the environment the password may come from. */
    DashboardCommand environment(Map<String, String> environment) {
        this.environment = environment;
        return this;
    }

    @Override
    public Integer call() {
        DashboardConfig dashboard = configuration();
        stop.install("otnn-dashboard-shutdown");
        try (Dashboard running = Dashboard.start(dashboard)) {
            PrintWriter out = spec.commandLine().getOut();
            out.println(URL_LINE + running.url());
            out.flush();
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stop.stopped();
        }
        return 0;
    }

    /** The settings, or a {@link CommandLine.ParameterException} (exit 2) naming what is missing or wrong. */
    DashboardConfig configuration() {
        if (passwordOnCommandLine != null) {
            throw misuse(
                    "the password is never taken from the command line: use --password-file FILE or $" + PASSWORD_ENV);
        }
        Map<String, String> settings = new LinkedHashMap<>();
        if (config != null) settings.putAll(readConfig(config));
        settings.putAll(properties);
        if (bootstrapServers != null) settings.put(DashboardConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        if (schemaRegistry != null) settings.put(DashboardConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistry);
        if (settings.getOrDefault(DashboardConfig.BOOTSTRAP_SERVERS_CONFIG, "").isBlank()) {
            throw misuse("missing --bootstrap-servers (or bootstrap.servers in --config)");
        }
        if (settings.getOrDefault(DashboardConfig.SCHEMA_REGISTRY_URL_CONFIG, "")
                .isBlank()) {
            throw misuse("missing --schema-registry (or schema.registry.url in --config)");
        }
        char[] password = null;
        if (user == null && passwordFile != null) {
            throw misuse("--password-file needs --user");
        }
        if (user != null) {
            password = password();
        }
        try {
            return new DashboardConfig(settings, bind, httpPort, user, password, null);
        } catch (IllegalArgumentException e) {
            throw misuse(e.getMessage());
        }
    }

    private char[] password() {
        if (passwordFile != null) {
            if (!Files.isRegularFile(passwordFile)) throw misuse("--password-file " + passwordFile + ": no such file");
            try {
                String text = Files.readString(passwordFile, StandardCharsets.UTF_8);
                String first = text.lines().findFirst().orElse("");
                if (first.isEmpty()) throw misuse("--password-file " + passwordFile + " is empty");
                return first.toCharArray();
            } catch (IOException e) {
                throw misuse("cannot read --password-file " + passwordFile + ": " + e.getMessage());
            }
        }
        String fromEnvironment = environment.get(PASSWORD_ENV);
        if (fromEnvironment == null || fromEnvironment.isEmpty()) {
            throw misuse("--user needs a password: --password-file FILE or $" + PASSWORD_ENV);
        }
        return fromEnvironment.toCharArray();
    }

    private Map<String, String> readConfig(Path file) {
        Properties loaded = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            loaded.load(in);
        } catch (IOException e) {
            throw misuse("cannot read --config " + file + ": " + e.getMessage());
        }
        Map<String, String> read = new LinkedHashMap<>();
        loaded.stringPropertyNames().forEach(name -> read.put(name, loaded.getProperty(name)));
        return read;
    }

    private CommandLine.ParameterException misuse(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Asks a running command to stop; returns at once. */
    void requestStop() {
        stop.requestStop();
    }
}
