package io.otnn.streams.time;

/**
 * The time an outcome is stamped and counted with: the output record's timestamp and its metric window.
 *
 * @param timestamp  epoch ms, always within the policy's skew of the arrival time
 * @param adjustment why it differs from the image's event time, {@link TimeAdjustment#NONE} when it does not
 */
public record EventTime(long timestamp, TimeAdjustment adjustment) {

    public boolean adjusted() {
        return adjustment != TimeAdjustment.NONE;
    }
}
