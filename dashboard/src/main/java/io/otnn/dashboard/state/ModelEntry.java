package io.otnn.dashboard.state;

import java.util.List;

/**
 * A checkpoint announced on the models topic, with what the dashboard could read of its {@code otnn-model.json}.
 *
 * @param classPriors   {@code reference.classPriors} of the checkpoint, or null
 * @param metadataNote  how the metadata was read, or why not ("not a file: URI", "unreadable: ...")
 */
public record ModelEntry(
        String modelName,
        int version,
        String uri,
        long createdTime,
        Double testAccuracy,
        List<WindowFigures.Point> certifiedAccuracy,
        List<String> classNames,
        List<Integer> inputShape,
        double lipschitzConstant,
        double certificateFactor,
        double[] classPriors,
        Double inputMin,
        Double inputMax,
        String metadataNote,
        long announcedAt) {}
