package io.otnn.reproduction.tables;

import io.otnn.explain.metrics.EvaluationTable;
import io.otnn.reproduction.models.ModelRole;
import io.otnn.reproduction.models.ModelRun;
import java.util.Map;

/**
 * Everything measured for the paper's tables.
 *
 * @param runs       the networks obtained, by role (a role absent was skipped)
 * @param metrics    explain-core's evaluation ({@code otnn evaluate}'s table) of each measured Fashion-MNIST network
 * @param blockMnist the BlockMNIST evaluation of the BlockMNIST OTNN, or null when not measured
 * @param blockMnistBaseline the same of its unconstrained twin, or null
 * @param skipped    why a role has no network, by role
 * @param n          test images of the Fashion-MNIST metrics
 * @param blockImages BlockMNIST test images of Table 11
 */
public record Measurements(
        Map<ModelRole, ModelRun> runs,
        Map<ModelRole, EvaluationTable> metrics,
        EvaluationTable blockMnist,
        EvaluationTable blockMnistBaseline,
        Map<ModelRole, String> skipped,
        int n,
        int blockImages) {}
