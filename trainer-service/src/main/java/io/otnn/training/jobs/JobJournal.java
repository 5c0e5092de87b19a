package io.otnn.training.jobs;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.otnn.avro.TrainingRequest;
import io.otnn.training.store.DurableFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * The crash-safe journal of the requests, one folder per request under {@code STORE/jobs/}, named by the SHA-256 of
 * its id (any id is a safe folder name): {@code request.avro} (the request as it came, Avro binary), {@code job.json}
 * (its {@link JobRecord}) and {@code state/} (the training's resumable state). Every file is written to a temporary
 * name, forced to disk, renamed over the old one (atomic) and its folder forced too: after a crash a file is the old
 * one or the new one, never a part.
 */
public final class JobJournal {

    public static final String REQUEST_FILE = "request.avro";
    public static final String JOB_FILE = "job.json";
    public static final String STATE_DIR = "state";

    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path root;

    public JobJournal(Path root) throws IOException {
        this.root = Files.createDirectories(root);
    }

    public Path root() {
        return root;
    }

    /** The folder of one request. */
    public Path dirOf(String requestId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(requestId.getBytes(StandardCharsets.UTF_8));
            return root.resolve(HexFormat.of().formatHex(h, 0, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path stateDir(String requestId) {
        return dirOf(requestId).resolve(STATE_DIR);
    }

    public Optional<JobRecord> find(String requestId) throws IOException {
        Path f = dirOf(requestId).resolve(JOB_FILE);
        if (!Files.isRegularFile(f)) return Optional.empty();
        return Optional.of(JSON.readValue(f.toFile(), JobRecord.class));
    }

    /** Records a new request: its bytes first, then its line, so that a line always has its request. */
    public void accept(TrainingRequest request, JobRecord record) throws IOException {
        Path dir = Files.createDirectories(dirOf(request.getRequestId()));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new SpecificDatumWriter<>(TrainingRequest.class).write(request, encoder);
        encoder.flush();
        DurableFiles.writeAtomically(dir.resolve(REQUEST_FILE), bytes.toByteArray());
        write(record);
    }

    public void write(JobRecord record) throws IOException {
        Path dir = Files.createDirectories(dirOf(record.requestId()));
        DurableFiles.writeAtomically(
                dir.resolve(JOB_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
    }

    public TrainingRequest request(String requestId) throws IOException {
        byte[] bytes = Files.readAllBytes(dirOf(requestId).resolve(REQUEST_FILE));
        return new SpecificDatumReader<>(TrainingRequest.class)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    }

    /** Every line of the journal, in arrival order; folders without a line (a crash before it) are skipped. */
    public List<JobRecord> all() throws IOException {
        List<JobRecord> records = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path dir : dirs) {
                Path f = dir.resolve(JOB_FILE);
                if (Files.isRegularFile(f)) records.add(JSON.readValue(f.toFile(), JobRecord.class));
            }
        }
        records.sort(Comparator.comparingLong(JobRecord::sequence));
        return records;
    }

    /** The next arrival number: one more than any in the journal. */
    public long nextSequence() throws IOException {
        return all().stream().mapToLong(JobRecord::sequence).max().orElse(0) + 1;
    }
}
