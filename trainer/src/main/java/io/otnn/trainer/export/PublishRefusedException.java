package io.otnn.trainer.export;

/** The exported model failed a verification after reload (logits differ, or a gradient exceeds the Lipschitz bound). */
public class PublishRefusedException extends RuntimeException {
    public PublishRefusedException(String message) {
        super(message);
    }
}
