package io.otnn.streams.testing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * The messages logged in this JVM between {@link #start()} and {@link #stop()} (on logback's root logger); as a
 * {@code @RegisterExtension} field, during each test.
 */
public final class CapturedLogs implements BeforeEachCallback, AfterEachCallback {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    public void start() {
        appender.start();
        root().addAppender(appender);
    }

    public void stop() {
        root().detachAppender(appender);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stop();
    }

    public List<String> messages() {
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** One line of ours, no stream thread replaced, a handful of refused logins (Kafka's clients log each). */
    public void assertNoRetryStorm() {
        List<String> messages = messages();
        assertThat(messages.stream().filter(m -> m.startsWith("Stream thread failed, replacing it")))
                .isEmpty();
        assertThat(messages.stream()
                        .filter(m -> m.startsWith("Stopping the stream explainer:"))
                        .count())
                .isLessThanOrEqualTo(1);
        assertThat(messages.stream()
                        .filter(m -> m.contains("failed authentication"))
                        .count())
                .as("refused logins")
                .isLessThanOrEqualTo(10);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
