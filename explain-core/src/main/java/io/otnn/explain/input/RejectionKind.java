package io.otnn.explain.input;

/**
 * Why a record cannot be explained: the one list of the product. The decoder ({@link ImageDecoder}) raises the kinds
 * about the image itself; the stream raises the others (wire format, key, model call, production). The name is the
 * kind a dead letter carries; the stream's Avro format maps each to the contract's coarser {@code ErrorKind}.
 */
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
    /** the channel count does not match the model's input (or the image has a translucent alpha channel) */
    WRONG_CHANNELS,
    /** a value is NaN or infinite */
    NON_FINITE,
    /** the bytes claim an encoding (PNG, JPEG) but cannot be decoded */
    UNDECODABLE,
    /** the encoded image is larger than the byte limit, or its header declares far more pixels than the model takes */
    OVERSIZE,
    /** the encoding is not one the explainer understands */
    UNSUPPORTED_ENCODING,
    /** the model call failed for this image, run alone */
    MODEL_ERROR,
    /** the model's result for this image, run alone, holds NaN or ±∞ (scores, margin, radius, gradient, ...) */
    NON_FINITE_RESULT,
    /** the model's result for this image, run alone, cannot be encoded (saliency or counterfactual) */
    UNENCODABLE_RESULT,
    /** an output for this image (explanation, dead letter) could not be produced to its topic */
    PRODUCTION,
    /** a RAW_F32 value lies outside the model's declared input range, on which its certificates hold */
    OUT_OF_RANGE,
    /** the image carries a label that is not one of the model's classes: it would corrupt accuracy and class mix */
    LABEL_OUT_OF_RANGE
}
