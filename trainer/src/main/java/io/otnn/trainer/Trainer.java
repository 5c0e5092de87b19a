package io.otnn.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.otnn.checkpoint.ModelMetadata;
import io.otnn.trainer.data.DataSources;
import io.otnn.trainer.data.DataSplits;
import io.otnn.trainer.data.Dataset;
import io.otnn.trainer.export.CheckpointPublisher;
import io.otnn.trainer.model.Architecture;
import io.otnn.trainer.model.Presets;
import io.otnn.trainer.train.ProgressBar;
import io.otnn.trainer.train.StopSignal;
import io.otnn.trainer.train.TrainingGraph;
import io.otnn.trainer.train.TrainingState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a network and publishes its checkpoint: the small Java API of this module.
 *
 * <pre>{@code
 * TrainingResult r = new Trainer().train(TrainingConfig.builder()
 *         .setDataset("fashion-mnist").optDataDir(dir).setEpochs(1).optLimit(2000).setOut(out).build());
 * }</pre>
 */
public final class Trainer {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final StopSignal stop;
    private EpochListener listener = EpochListener.NONE;
    private ExportTarget exportTarget;

    public Trainer() {
        this(new StopSignal());
    }

    public Trainer(StopSignal stop) {
        this.stop = stop;
    }

    /** Told when the training starts and after every epoch (the trainer service's status records). */
    public Trainer withEpochListener(EpochListener listener) {
        this.listener = listener == null ? EpochListener.NONE : listener;
        return this;
    }

    /** Decides the checkpoint's directory and version after the last epoch, before the export. */
    public Trainer withExportTarget(ExportTarget exportTarget) {
        this.exportTarget = exportTarget;
        return this;
    }

    public StopSignal stopSignal() {
        return stop;
    }

    public TrainingResult train(TrainingConfig config) throws IOException {
        checkWritable(config.out());
        DataSplits data = DataSources.load(config);
        LOG.info(
                "data {}: {} train, {} validation, {} test, input {}x{}x{}, {} classes",
                data.name(),
                data.train().size(),
                data.validation().size(),
                data.test().size(),
                data.train().height(),
                data.train().width(),
                data.train().channels(),
                data.train().classes());
        return train(config, data);
    }

    public TrainingResult train(TrainingConfig config, DataSplits data) throws IOException {
        Dataset train = data.train();
        int logits = train.logits();
        Architecture arch =
                Presets.create(config.architecture(), config.constrained(), config.widthMultiplier(), logits);
        Path stateDir = config.effectiveStateDir();
        String fingerprint = fingerprint(config, data);
        try (TrainingGraph graph = new TrainingGraph(arch, train.shape(), logits, config.loss(), config.seed())) {
            LOG.info(
                    "graph: {} ({}) on {}",
                    arch.describeLayers(),
                    config.loss().kind().cliName(),
                    Devices.describe());
            int startEpoch = 0;
            int startStep = 0;
            TrainingState state = TrainingState.read(stateDir);
            if (config.resume() && state != null) {
                if (!state.fingerprint().equals(fingerprint)) {
                    throw new IllegalArgumentException(stateDir + " holds the state of a different run (" + state.name()
                            + "); remove it or start without --resume");
                }
                TrainingState.restore(stateDir, graph);
                startEpoch = state.epoch();
                startStep = state.step();
                LOG.info("resumed {} at epoch {} step {}", config.name(), startEpoch + 1, startStep);
            }
            listener.started(startEpoch, config.epochs(), Devices.kind());
            int batch = config.batchSize();
            int steps = (train.size() + batch - 1) / batch;
            int d = train.imageSize();
            double totalSeconds = 0;
            long totalImages = 0;
            int epochsRun = 0;
            boolean stopped = false;
            double valAccuracy = Double.NaN;
            for (int epoch = startEpoch; epoch < config.epochs() && !stopped; epoch++) {
                float lr = config.schedule().at(epoch);
                int[] order = Dataset.permutation(train.size(), config.seed() * 1_000_003L + epoch);
                ProgressBar bar = new ProgressBar(
                        config.progress(),
                        String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, config.epochs()),
                        steps,
                        batch);
                double lossSum = 0;
                int seen = 0;
                int correct = 0;
                long t0 = System.nanoTime();
                int step = epoch == startEpoch ? startStep : 0;
                for (; step < steps; step++) {
                    if (stop.requested()) {
                        new TrainingState(config.name(), config.seed(), fingerprint, epoch, step)
                                .write(stateDir, graph);
                        LOG.info(
                                "stopped at epoch {} step {}; state saved in {} (resume with --resume)",
                                epoch + 1,
                                step,
                                stateDir);
                        stopped = true;
                        break;
                    }
                    int from = step * batch;
                    int n = Math.min(batch, train.size() - from);
                    float[] x = new float[n * d];
                    float[] y = new float[n * logits];
                    for (int i = 0; i < n; i++) {
                        int idx = order[from + i];
                        System.arraycopy(train.images(), idx * d, x, i * d, d);
                        int label = train.labels()[idx];
                        if (logits == 1) y[i] = label;
                        else y[i * logits + label] = 1f;
                    }
                    float[] lc = graph.step(x, y, n, lr);
                    if (!Float.isFinite(lc[0])) {
                        throw new IllegalStateException("the loss became " + lc[0] + " at epoch " + (epoch + 1)
                                + " step " + step + " (lower the learning rate)");
                    }
                    lossSum += lc[0] * n;
                    correct += (int) lc[1];
                    seen += n;
                    bar.update(step + 1, lossSum / seen, correct / (double) seen);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (stopped) break;
                totalSeconds += seconds;
                totalImages += seen;
                epochsRun++;
                graph.condense();
                valAccuracy = data.validation().size() > 0 ? accuracy(graph, data.validation()) : Double.NaN;
                new TrainingState(config.name(), config.seed(), fingerprint, epoch + 1, 0).write(stateDir, graph);
                LOG.info(String.format(
                        Locale.ROOT,
                        "epoch %d/%d: loss %.4f, train accuracy %.4f, validation accuracy %.4f, lr %.1e, %.1f s, %.0f img/s",
                        epoch + 1,
                        config.epochs(),
                        lossSum / Math.max(1, seen),
                        correct / (double) Math.max(1, seen),
                        valAccuracy,
                        lr,
                        seconds,
                        seen / seconds));
                double eta = (config.epochs() - epoch - 1) * (totalSeconds / epochsRun);
                listener.epochEnded(new EpochProgress(
                        epoch + 1,
                        config.epochs(),
                        lossSum / Math.max(1, seen),
                        correct / (double) Math.max(1, seen),
                        valAccuracy,
                        seen / seconds,
                        eta));
            }
            double secondsPerEpoch = epochsRun > 0 ? totalSeconds / epochsRun : Double.NaN;
            double imagesPerSecond = totalSeconds > 0 ? totalImages / totalSeconds : Double.NaN;
            if (stopped) {
                stop.finished();
                return new TrainingResult(
                        null, null, null, null, startEpoch + epochsRun, true, secondsPerEpoch, imagesPerSecond, 0);
            }
            double[] constraint = graph.constraintSeconds(5);
            double stepSeconds = imagesPerSecond > 0 ? batch / imagesPerSecond : Double.NaN;
            // forward only: a lower bound. Timed apart, the forward+backward VJP overshoots the step (no overlap with
            // the
            // rest of the step), so it is stored as seconds, not as a share.
            double share = constraint[1] > 0 && stepSeconds > 0 ? constraint[1] / stepSeconds : 0;
            ObjectNode info = ModelMetadata.object();
            putFinite(info, "secondsPerEpoch", secondsPerEpoch);
            putFinite(info, "imagesPerSecond", imagesPerSecond);
            putFinite(info, "validationAccuracy", valAccuracy);
            putFinite(info, "stepSeconds", stepSeconds);
            info.put("spectralNormalizationSecondsPerStep", constraint[0]);
            info.put("bjorckSecondsPerStep", constraint[1] - constraint[0]);
            info.put("constraintForwardBackwardSecondsPerStep", constraint[2]);
            info.put("constraintForwardShareOfStep", share);
            info.put("device", Devices.describe());
            CheckpointPublisher.Published p;
            if (exportTarget == null) {
                p = CheckpointPublisher.publish(graph, config, data, info);
            } else {
                ExportTarget.Target target = exportTarget.prepare(config);
                p = CheckpointPublisher.publish(graph, config, data, info, target.dir(), target.version());
            }
            LOG.info("{}", p.evaluation().summary());
            stop.finished();
            return new TrainingResult(
                    p.dir(),
                    p.metadata(),
                    p.evaluation(),
                    p.manifestDigest(),
                    startEpoch + epochsRun,
                    false,
                    secondsPerEpoch,
                    imagesPerSecond,
                    share);
        } finally {
            stop.finished();
        }
    }

    /** NaN (no epoch run in this process, no validation set) is written as null. */
    static void putFinite(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) node.put(field, value);
        else node.putNull(field);
    }

    static double accuracy(TrainingGraph graph, Dataset data) {
        int d = data.imageSize();
        int k = graph.logitCount();
        int correct = 0;
        for (int start = 0; start < data.size(); start += 512) {
            int n = Math.min(512, data.size() - start);
            float[] f = graph.logits(Arrays.copyOfRange(data.images(), start * d, (start + n) * d), n);
            for (int i = 0; i < n; i++) {
                int pred;
                if (k == 1) {
                    pred = f[i] > 0 ? 1 : 0;
                } else {
                    pred = 0;
                    for (int c = 1; c < k; c++) if (f[i * k + c] > f[i * k + pred]) pred = c;
                }
                if (pred == data.labels()[start + i]) correct++;
            }
        }
        return correct / (double) data.size();
    }

    /** Identifies a run for resuming: same data, network, loss and hyper-parameters. */
    static String fingerprint(TrainingConfig c, DataSplits data) {
        return String.join(
                "|",
                c.name(),
                c.dataset(),
                c.architecture(),
                Boolean.toString(c.constrained()),
                Double.toString(c.widthMultiplier()),
                c.loss().toString(),
                Integer.toString(c.batchSize()),
                Long.toString(c.seed()),
                Integer.toString(data.train().size()),
                Integer.toString(data.validation().size()));
    }

    /** Fails early, before any training, when the checkpoint cannot be written. */
    static void checkWritable(Path out) {
        Path abs = out.toAbsolutePath();
        try {
            Path parent = abs.getParent();
            Files.createDirectories(parent);
            Path probe = Files.createTempFile(parent, ".otnn-write-test", ".tmp");
            Files.delete(probe);
            if (Files.exists(abs) && !Files.isDirectory(abs)) {
                throw new IOException("exists and is not a directory");
            }
        } catch (IOException | SecurityException e) {
            throw new UncheckedIOException(
                    new IOException("cannot write the checkpoint to " + abs + ": " + e.getMessage(), e));
        }
    }
}
