package io.otnn.streams.time;

/**
 * Why an output record's timestamp is not the image's event time. The name is the {@code eventTimeAdjustment}
 * field of the {@code Explanation}; the payload's {@code eventTime} always keeps what the image said.
 */
public enum TimeAdjustment {
    /** the event time is used as is */
    NONE,
    /** the event time is further in the future than the allowed skew: the arrival time is used */
    FUTURE,
    /** the event time is further in the past than the allowed skew: the arrival time is used */
    PAST,
    /** the event time is zero or negative (absent): the record timestamp, else the arrival time, is used */
    MISSING,
    /** read from a record written by a newer explainer with a reason this one does not know (never written) */
    UNKNOWN
}
