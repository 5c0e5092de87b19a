package io.otnn.trainer.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The resumable state of a run, in its own directory: every variable of the training graph (weights, Adam slots,
 * power-iteration vectors) as a TF checkpoint, and {@code state.json} with the position (epoch, step) and the
 * identity of the run. The shuffling order is a function of (seed, epoch), so a position is enough to resume.
 */
public record TrainingState(String name, long seed, String fingerprint, int epoch, int step) {

    public static final String FILE = "state.json";
    public static final String VARIABLES = "variables";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static TrainingState read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) return null;
        try {
            return JSON.readValue(f.toFile(), TrainingState.class);
        } catch (IOException e) {
            throw new IllegalStateException(f + ": unreadable training state: " + e.getMessage(), e);
        }
    }

    /** Saves the graph's variables then the position; the JSON is replaced atomically, last, so it never points to a partial save. */
    public void write(Path dir, TrainingGraph graph) throws IOException {
        Files.createDirectories(dir);
        graph.save(dir.resolve(VARIABLES).toString());
        Path tmp = dir.resolve(FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static void restore(Path dir, TrainingGraph graph) {
        graph.restore(dir.resolve(VARIABLES).toString());
    }
}
