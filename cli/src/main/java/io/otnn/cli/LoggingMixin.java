package io.otnn.cli;

import picocli.CommandLine.Option;

/**
 * Verbosity options shared by every command: {@code -v} (debug for otnn, info for Kafka), {@code -vv}
 * (trace, debug), {@code -q} (warnings only). They set the levels that {@code logback.xml} reads, so no
 * command may create a logger before its options are parsed.
 */
public final class LoggingMixin {

    static final String LEVEL_PROPERTY = "otnn.log.level";
    static final String KAFKA_LEVEL_PROPERTY = "otnn.kafka.log.level";

    @Option(
            names = {"-v", "--verbose"},
            description = "More log output (-vv for even more).")
    void setVerbose(boolean[] verbose) {
        if (verbose.length >= 2) {
            System.setProperty(LEVEL_PROPERTY, "TRACE");
            System.setProperty(KAFKA_LEVEL_PROPERTY, "DEBUG");
        } else if (verbose.length == 1) {
            System.setProperty(LEVEL_PROPERTY, "DEBUG");
            System.setProperty(KAFKA_LEVEL_PROPERTY, "INFO");
        }
    }

    @Option(
            names = {"-q", "--quiet"},
            description = "Only warnings and errors.")
    void setQuiet(boolean quiet) {
        if (quiet) {
            System.setProperty(LEVEL_PROPERTY, "WARN");
            System.setProperty(KAFKA_LEVEL_PROPERTY, "ERROR");
        }
    }
}
