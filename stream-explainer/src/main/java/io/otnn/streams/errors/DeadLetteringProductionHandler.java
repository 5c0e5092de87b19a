package io.otnn.streams.errors;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The safety net behind {@link OutputGuard}: what to do when the broker refuses an output anyway (a topic's limits
 * changed after start-up, a broker stricter than its topic's configuration).
 *
 * <p>Under exactly-once a refused record leaves the producer's transaction abortable: nothing can make Kafka
 * Streams commit it, whatever this handler answers, and the stream thread fails and is replaced. So the handler
 * remembers the refused record's source (from its {@link OutputGuard#SOURCE_HEADER} header) when the refusal is
 * the record's own (too large, a timestamp out of range, an invalid record), and answers {@code FAIL}. The
 * transaction is aborted, the image is read again from the last commit, and the processor forwards a
 * {@code PRODUCTION} dead letter for it instead: one replacement of the thread per refused image and instance,
 * never a loop.
 *
 * <p>The other records of the refused produce batch fail with a plain {@code KafkaException} ("part of a batch which
 * had one or more invalid records"), and their callbacks may come first. Kafka Streams hands only the first failure
 * to this handler unless it answers {@code RESUME}; so under exactly-once, where the transaction is abortable
 * whatever the answer and nothing can be committed, the handler resumes on these, so that it sees the refused
 * record itself. They are not remembered and are explained again after the abort. Under at-least-once it fails on
 * them (a resumed record would be lost).
 *
 * <p>Registered by {@link OutputGuard#register} as {@code production.exception.handler}.
 */
public final class DeadLetteringProductionHandler implements ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetteringProductionHandler.class);

    private OutputGuard guard;
    private boolean exactlyOnce;

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(OutputGuard.CONFIG) instanceof OutputGuard registered) {
            this.guard = registered;
        }
        Object guarantee = configs.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
        this.exactlyOnce = guarantee != null && guarantee.toString().startsWith("exactly_once");
    }

    @Override
    public Response handleError(
            ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        Header shadowSource = record.headers().lastHeader(OutputGuard.SHADOW_SOURCE_HEADER);
        if (guard != null && shadowSource != null && isTheRecordsOwnFault(exception)) {
            String from = new String(shadowSource.value(), StandardCharsets.UTF_8);
            guard.rememberShadow(from, exception.getClass().getSimpleName() + ": " + exception.getMessage());
            LOG.warn(
                    "The broker refused the shadow explanation of {} for {} ({}); its transaction is aborted and "
                            + "the shadow explanation will be dropped when the image is read again",
                    from,
                    record.topic(),
                    exception.toString());
            return Response.fail();
        }
        Header source = record.headers().lastHeader(OutputGuard.SOURCE_HEADER);
        if (guard != null && source != null && isTheRecordsOwnFault(exception)) {
            String from = new String(source.value(), StandardCharsets.UTF_8);
            guard.remember(from, exception.getClass().getSimpleName() + ": " + exception.getMessage());
            LOG.warn(
                    "The broker refused the output of {} for {} ({}); its transaction is aborted and the image "
                            + "will be dead-lettered (PRODUCTION) when it is read again",
                    from,
                    record.topic(),
                    exception.toString());
            return Response.fail();
        }
        if (exactlyOnce && exception.getClass() == KafkaException.class) {
            return Response.resume();
        }
        return Response.fail();
    }

    /** A refusal of this record itself, as opposed to one of the batch, the connection or the producer. */
    static boolean isTheRecordsOwnFault(Exception exception) {
        return exception instanceof RecordTooLargeException
                || exception instanceof RecordBatchTooLargeException
                || exception instanceof InvalidTimestampException
                || exception instanceof InvalidRecordException;
    }
}
