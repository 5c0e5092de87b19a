package io.otnn.training.testing;

import io.otnn.training.TrainerService;
import java.nio.file.Path;

/** The trainer service alone in a JVM: {@code BOOTSTRAP REGISTRY STORE [HTTP_PORT]}, until SIGTERM (or SIGKILL). */
public final class ServiceMain {

    private ServiceMain() {}

    public static void main(String[] args) throws Exception {
        TrainerService.Builder b =
                TrainerService.builder().kafka(args[0], args[1]).store(Path.of(args[2]));
        if (args.length > 3) b.httpPort(Integer.parseInt(args[3]));
        TrainerService service = b.build().start();
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.requestStop();
            try {
                main.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        System.out.println("SERVICE_STARTED");
        service.runUntilStopped();
    }
}
