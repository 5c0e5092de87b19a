package io.otnn.trainer.export;

/**
 * The exported model failed a verification after reload (logits differ, a gradient exceeds the Lipschitz bound, or a
 * signature differs from the metadata).
 */
public class PublishRefusedException extends RuntimeException {
    public PublishRefusedException(String message) {
        super(message);
    }
}
