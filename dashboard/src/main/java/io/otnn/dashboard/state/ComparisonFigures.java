package io.otnn.dashboard.state;

import java.util.List;
import org.apache.avro.generic.GenericRecord;

/**
 * One {@code ExplanationComparison} window: how the shadow model explained the images the serving model explained.
 *
 * @param pair {@code primary@version | shadow@version}
 */
public record ComparisonFigures(
        String pair,
        String primaryModelName,
        int primaryModelVersion,
        String shadowModelName,
        int shadowModelVersion,
        long windowStart,
        long windowEnd,
        long comparedCount,
        double classAgreement,
        double certificateDifferenceMean,
        List<WindowFigures.Point> certificateDifferenceQuantiles,
        Double saliencySpearmanMean,
        List<WindowFigures.Point> saliencySpearmanQuantiles,
        double sameTargetFraction,
        long labelledCount,
        Double primaryAccuracy,
        Double shadowAccuracy) {

    public static ComparisonFigures of(GenericRecord r) {
        String primary = Fields.string(r, "primaryModelName");
        int primaryVersion = (int) Fields.longValue(r, "primaryModelVersion");
        String shadow = Fields.string(r, "shadowModelName");
        int shadowVersion = (int) Fields.longValue(r, "shadowModelVersion");
        return new ComparisonFigures(
                pair(primary, primaryVersion, shadow, shadowVersion),
                primary,
                primaryVersion,
                shadow,
                shadowVersion,
                Fields.longValue(r, "windowStart"),
                Fields.longValue(r, "windowEnd"),
                Fields.longValue(r, "comparedCount"),
                Fields.doubleValue(r, "classAgreement"),
                Fields.doubleValue(r, "certificateDifferenceMean"),
                Fields.points(r, "certificateDifferenceQuantiles", "q", "value"),
                Fields.optionalDouble(r, "saliencySpearmanMean"),
                Fields.points(r, "saliencySpearmanQuantiles", "q", "value"),
                Fields.doubleValue(r, "sameTargetFraction"),
                Fields.longValue(r, "labelledCount"),
                Fields.optionalDouble(r, "primaryAccuracy"),
                Fields.optionalDouble(r, "shadowAccuracy"));
    }

    public static String pair(String primary, int primaryVersion, String shadow, int shadowVersion) {
        return primary + "@" + primaryVersion + " | " + shadow + "@" + shadowVersion;
    }
}
