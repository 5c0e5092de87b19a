package io.otnn.streams.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The stream explainer in a child JVM (the test JVM's classpath, {@link ExplainerMain}), so that a test can
 * kill it with SIGKILL ({@link Process#destroyForcibly()}): no clean close, no commit, no shutdown hook.
 */
public final class ChildExplainer implements AutoCloseable {

    private final Process process;

    private ChildExplainer(Process process) {
        this.process = process;
    }

    public static ChildExplainer start(Path model, Map<String, ?> properties, Path log) throws IOException {
        return start(ExplainerMain.class, model, properties, log);
    }

    /** As above with another main class taking {@code --model DIR -p key=value...} (e.g. {@link FaultyExplainerMain}). */
    public static ChildExplainer start(Class<?> mainClass, Path model, Map<String, ?> properties, Path log)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-Dai.djl.offline=true");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.add("--model");
        command.add(model.toString());
        properties.forEach((key, value) -> {
            command.add("-p");
            command.add(key + "=" + value);
        });
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("TF_CPP_MIN_LOG_LEVEL", "1");
        return new ChildExplainer(builder.start());
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: the JVM dies at once, mid-transaction and mid-batch. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM: the shutdown hook closes Kafka Streams cleanly. */
    public int terminate() throws InterruptedException {
        process.destroy();
        return process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
