package io.otnn.streams.deadletter;

/** Why a record went to the dead-letter topic. The name is the {@code kind} field of the {@code DeadLetter}. */
public enum RejectionKind {
    /** the value is not in the expected wire format (bad magic byte, truncated, garbage) */
    UNDESERIALISABLE,
    /** the value names a schema id that the registry does not know */
    UNKNOWN_SCHEMA,
    /** the value is empty or null (a tombstone) */
    EMPTY_VALUE,
    /** the record has no key: images are keyed by their id */
    MISSING_KEY,
    /** width, height or the number of values does not match the model's input */
    WRONG_SHAPE,
    /** the channel count does not match the model's input */
    WRONG_CHANNELS,
    /** a value is NaN or infinite */
    NON_FINITE,
    /** the bytes claim an encoding (PNG, JPEG) but cannot be decoded */
    UNDECODABLE,
    /** the encoded image is larger than {@code image.max.bytes} */
    OVERSIZE,
    /** the encoding is not one the explainer understands */
    UNSUPPORTED_ENCODING,
    /** the model call failed for this image */
    MODEL_ERROR,
    /** the broker (or the producer) refused the image's explanation: too large for the topic, or its timestamp */
    PRODUCTION
}
