package io.otnn.reproduction;

import io.otnn.datasets.BlockMnist;
import io.otnn.datasets.IdxDataset;
import io.otnn.datasets.PixelDecoder;
import io.otnn.explain.metrics.EvaluationTable;
import io.otnn.explain.metrics.ModelComparison;
import io.otnn.reproduction.figures.BlockMnistFigure;
import io.otnn.reproduction.figures.KochFigure;
import io.otnn.reproduction.models.ModelProvider;
import io.otnn.reproduction.models.ModelRole;
import io.otnn.reproduction.models.ModelRun;
import io.otnn.reproduction.report.MachineInfo;
import io.otnn.reproduction.report.ReportWriter;
import io.otnn.reproduction.report.ReproductionReport;
import io.otnn.reproduction.tables.Measurements;
import io.otnn.reproduction.tables.PaperTables;
import io.otnn.trainer.data.DataSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code otnn reproduce}'s job: obtains the networks (trains them, or reuses checkpoints), measures them with
 * explain-core's {@link ModelComparison} ({@code otnn evaluate}'s job), draws Figures 2 and 7, lays our figures beside
 * the paper's ({@link PaperTables}) and writes {@code report.md}, {@code report.json} and the PNGs into the output
 * directory.
 */
public final class Reproduction {

    private static final Logger LOG = LoggerFactory.getLogger(Reproduction.class);

    /** Segments of each class in Figure 2. */
    public static final int KOCH_SEGMENTS_PER_CLASS = 120;
    /** Images in Figure 7 (the paper shows 10). */
    public static final int BLOCK_MNIST_IMAGES = 10;

    private final ReproductionConfig config;
    private final ModelComparison.Progress progress;

    public Reproduction(ReproductionConfig config, ModelComparison.Progress progress) {
        this.config = config;
        this.progress = progress == null ? ModelComparison.Progress.NONE : progress;
    }

    public ReproductionReport run() throws IOException {
        Instant started = Instant.now();
        double loadAtStart = MachineInfo.loadAverage();
        Path out = config.out();
        Files.createDirectories(out);
        Map<String, Double> steps = new LinkedHashMap<>();
        List<String> commands = new ArrayList<>();
        Map<ModelRole, ModelRun> runs = new EnumMap<>(ModelRole.class);
        Map<ModelRole, String> skipped = new EnumMap<>(ModelRole.class);
        ModelProvider provider = new ModelProvider(config);

        for (ModelRole role : ModelRole.values()) {
            if (!config.roles().contains(role)) {
                skipped.put(role, whySkipped(role));
                continue;
            }
            long t0 = System.nanoTime();
            ModelRun run;
            try {
                run = provider.obtain(role);
            } catch (RuntimeException e) {
                // one network that fails (a refused export, a bad reused checkpoint) costs its cells, not the report
                LOG.warn("{}: {}", role.cliName(), e.getMessage());
                skipped.put(role, "its training or loading failed: " + oneLine(e));
                continue;
            }
            runs.put(role, run);
            commands.add(run.command());
            steps.put((run.trained() ? "train " : "reuse ") + role.cliName(), seconds(t0));
        }

        Map<ModelRole, EvaluationTable> evaluations = new EnumMap<>(ModelRole.class);
        for (ModelRole role : ModelRole.values()) {
            ModelRun run = runs.get(role);
            if (run == null || !role.measured()) continue;
            long t0 = System.nanoTime();
            ModelComparison comparison =
                    new ModelComparison("fashion-mnist", config.fashionMnistDir(), config.n(), config.seed());
            EvaluationTable table;
            try {
                table = comparison.evaluate(List.of(run.checkpoint()), progress);
            } catch (RuntimeException e) {
                LOG.warn("{}: evaluation failed: {}", role.cliName(), e.getMessage());
                skipped.put(role, "its evaluation failed: " + oneLine(e));
                continue;
            }
            Path dir = out.resolve("evaluations").resolve(role.cliName());
            ModelComparison.write(table, dir);
            evaluations.put(role, table);
            commands.add(evaluateCommand("fashion-mnist", config.fashionMnistDir(), run.checkpoint(), dir));
            steps.put("evaluate " + role.cliName() + " (" + config.n() + " images)", seconds(t0));
        }

        Map<ModelRole, EvaluationTable> blockTables = new EnumMap<>(ModelRole.class);
        int blockImages = 0;
        for (ModelRole role : List.of(ModelRole.BLOCK_MNIST, ModelRole.BLOCK_MNIST_BASELINE)) {
            ModelRun run = runs.get(role);
            if (run == null) continue;
            if (!config.hasMnist()) {
                skipped.put(role, "--data-dir has no mnist/ to build BlockMNIST's test images from");
                continue;
            }
            long t0 = System.nanoTime();
            Path dir = out.resolve("evaluations").resolve(role.cliName());
            EvaluationTable table = new ModelComparison("block-mnist", config.mnistDir(), config.n(), config.seed())
                    .evaluate(List.of(run.checkpoint()), progress);
            ModelComparison.write(table, dir);
            blockTables.put(role, table);
            commands.add(evaluateCommand("block-mnist", config.mnistDir(), run.checkpoint(), dir));
            // the same test set for both networks: read once
            if (blockImages == 0) blockImages = blockTestSet(config.n()).images().length;
            steps.put("evaluate " + role.cliName() + " (" + blockImages + " images)", seconds(t0));
        }
        BlockMnistFigure.Result blockFigure = null;
        ModelRun blockRun = runs.get(ModelRole.BLOCK_MNIST);
        if (blockRun != null && config.hasMnist()) {
            long t0 = System.nanoTime();
            blockFigure = BlockMnistFigure.draw(
                    blockRun.checkpoint(),
                    blockTestSet(BLOCK_MNIST_IMAGES),
                    BLOCK_MNIST_IMAGES,
                    out.resolve(ReproductionReport.BLOCK_MNIST_PNG));
            steps.put("draw Figure 7", seconds(t0));
        }

        KochFigure.Result koch = null;
        ModelRun kochRun = runs.get(ModelRole.KOCH);
        if (kochRun != null) {
            long t0 = System.nanoTime();
            koch = KochFigure.draw(
                    kochRun.checkpoint(),
                    DataSources.load(provider.trainingConfig(ModelRole.KOCH)).test(),
                    KOCH_SEGMENTS_PER_CLASS,
                    out.resolve(ReproductionReport.KOCH_PNG));
            steps.put("draw Figure 2", seconds(t0));
        }

        Measurements measurements = new Measurements(
                runs,
                evaluations,
                blockTables.get(ModelRole.BLOCK_MNIST),
                blockTables.get(ModelRole.BLOCK_MNIST_BASELINE),
                skipped,
                config.n(),
                blockImages);
        ReproductionReport report = new ReproductionReport(
                config,
                started,
                Instant.now(),
                MachineInfo.describe(),
                loadAtStart,
                MachineInfo.loadAverage(),
                runs,
                skipped,
                evaluations,
                new PaperTables(measurements).all(),
                koch,
                blockFigure,
                steps,
                commands);
        ReportWriter.write(report, out);
        LOG.info("report written to {} in {} s", out.resolve(ReproductionReport.REPORT), report.seconds());
        return report;
    }

    /** BlockMNIST's test images as {@code ModelComparison} builds them (same seed, so the same first images). */
    private BlockMnist blockTestSet(int limit) throws IOException {
        IdxDataset mnist = IdxDataset.readTestSet(config.mnistDir(), PixelDecoder.UNIT_RANGE, 0);
        return BlockMnist.fromMnist(mnist, 1.0, config.seed(), limit);
    }

    private String whySkipped(ModelRole role) {
        if (config.skip().contains(role)) return "skipped with --skip " + role.cliName();
        if (role == ModelRole.DENSE_EQ4 || role == ModelRole.CNN_EQ4) {
            return "the Eq. 4 twin of the " + role.architecture() + " preset was not requested (--eq4)";
        }
        if (role.blockMnist()) return "--data-dir has no mnist/ (BlockMNIST is built from MNIST)";
        return "not part of this run";
    }

    private String evaluateCommand(String data, Path dataDir, Path model, Path out) {
        return String.format(
                Locale.ROOT,
                "otnn evaluate --model %s --data %s --data-dir %s --n %d --seed %d --out %s",
                model,
                data,
                dataDir,
                config.n(),
                config.seed(),
                out);
    }

    private static String oneLine(Exception e) {
        return String.valueOf(e.getMessage()).replace('\n', ' ');
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
