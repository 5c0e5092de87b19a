package io.otnn.cli;

import io.otnn.cli.dashboard.DashboardCommand;
import io.otnn.cli.demo.DemoCommand;
import io.otnn.cli.explain.EvaluateCommand;
import io.otnn.cli.explain.ExplainImageCommand;
import io.otnn.cli.ingest.IngestCommand;
import io.otnn.cli.local.LocalStackCommand;
import io.otnn.cli.reproduce.ReproduceCommand;
import io.otnn.cli.streams.ExplainCommand;
import io.otnn.cli.trainer.CertifyCommand;
import io.otnn.cli.trainer.TrainCommand;
import io.otnn.cli.training.TrainerCommand;
import io.otnn.explain.engine.TensorFlowEnvironment;
import io.otnn.local.LocalStackException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The root {@code otnn} command: one subcommand per job. */
@Command(
        name = "otnn",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Real-time explanations of image classifications with 1-Lipschitz OTNNs on Kafka.",
        subcommands = {
            DemoCommand.class,
            LocalStackCommand.class,
            TrainCommand.class,
            CertifyCommand.class,
            TrainerCommand.class,
            ExplainCommand.class,
            IngestCommand.class,
            ExplainImageCommand.class,
            EvaluateCommand.class,
            ReproduceCommand.class,
            DashboardCommand.class,
            CommandLine.HelpCommand.class
        })
public final class OtnnCommand implements Runnable {

    /** Exit code of a command that failed at run time (the stack did not start, a port was taken...). */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of misuse: unknown option, bad value. */
    public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

    @Mixin
    LoggingMixin logging;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    /** A command line with the project's error handling: misuse is one line on stderr and exit 2. */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new OtnnCommand());
        cmd.setExecutionStrategy(parseResult -> {
            // after the options set the log levels (LoggingMixin), before any command loads TensorFlow's natives,
            // which read their environment once
            TensorFlowEnvironment.prepare();
            return new CommandLine.RunLast().execute(parseResult);
        });
        cmd.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("otnn: " + ex.getMessage() + " (see 'otnn --help')");
            err.flush();
            return EXIT_USAGE;
        });
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("otnn: " + describe(ex));
            err.flush();
            return EXIT_FAILURE;
        });
        return cmd;
    }

    private static String describe(Exception ex) {
        StringBuilder message = new StringBuilder(String.valueOf(ex.getMessage()));
        Throwable cause = ex.getCause();
        if (ex instanceof LocalStackException && cause != null && cause.getMessage() != null) {
            message.append(": ").append(cause.getMessage());
        }
        return message.toString().replace('\n', ' ');
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
