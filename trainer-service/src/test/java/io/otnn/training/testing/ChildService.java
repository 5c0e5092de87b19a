package io.otnn.training.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** {@link ServiceMain} in a child JVM (the test's classpath), so that a test can SIGKILL it. */
public final class ChildService implements AutoCloseable {

    private final Process process;

    private ChildService(Process process) {
        this.process = process;
    }

    public static ChildService start(String bootstrap, String registry, Path store, Path log) throws IOException {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                ServiceMain.class.getName(),
                bootstrap,
                registry,
                store.toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("TF_CPP_MIN_LOG_LEVEL", "1");
        return new ChildService(builder.start());
    }

    /** SIGKILL: no hook, no state saved beyond the last epoch's. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM: the hook stops the service, the running job saves its state. */
    public int terminate() throws InterruptedException {
        process.destroy();
        return process.waitFor();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill();
    }
}
