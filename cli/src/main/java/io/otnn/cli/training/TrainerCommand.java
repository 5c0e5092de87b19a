package io.otnn.cli.training;

import io.otnn.cli.LoggingMixin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code otnn trainer}: the trainer service ({@code serve}) and its requests ({@code request}). */
@Command(
        name = "trainer",
        mixinStandardHelpOptions = true,
        description = "The trainer service: serve it, or send it a training request.",
        subcommands = {TrainerServeCommand.class, TrainerRequestCommand.class})
public final class TrainerCommand implements Runnable {

    @Mixin
    LoggingMixin logging;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: serve or request");
    }
}
