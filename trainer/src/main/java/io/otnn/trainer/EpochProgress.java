package io.otnn.trainer;

/**
 * Where a run is after one epoch, for an {@link EpochListener}.
 *
 * @param epoch              epochs completed (1 after the first)
 * @param epochs             epochs requested
 * @param loss               mean training loss of the epoch
 * @param trainAccuracy      training accuracy of the epoch
 * @param validationAccuracy accuracy on the held-out split after the epoch (NaN without one)
 * @param imagesPerSecond    training throughput of the epoch
 * @param etaSeconds         the remaining epochs at the mean pace of those run in this process
 */
public record EpochProgress(
        int epoch,
        int epochs,
        double loss,
        double trainAccuracy,
        double validationAccuracy,
        double imagesPerSecond,
        double etaSeconds) {}
