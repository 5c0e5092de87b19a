package io.otnn.streams.batching.commit;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The members of Kafka Streams' internal API that {@link InMemoryBeforeCommit} relies on, checked by reflection
 * before any class that uses them is loaded: an incompatible Kafka Streams on the class path is then one clear line
 * at start-up instead of a {@code NoSuchMethodError} in a stream thread. What reflection cannot see, that Kafka
 * Streams really flushes the hook before it takes a task's offsets, {@code BatchingTest} and
 * {@code WaitingImagesAtRebalanceTest} check on the real broker.
 */
final class KafkaStreamsInternals {

    static final String CACHED_STATE_STORE = "org.apache.kafka.streams.state.internals.CachedStateStore";
    static final String CACHE_FLUSH_LISTENER = "org.apache.kafka.streams.state.internals.CacheFlushListener";
    static final String INTERNAL_PROCESSOR_CONTEXT =
            "org.apache.kafka.streams.processor.internals.InternalProcessorContext";
    static final String PROCESSOR_NODE = "org.apache.kafka.streams.processor.internals.ProcessorNode";
    static final String PROCESSOR_RECORD_CONTEXT =
            "org.apache.kafka.streams.processor.internals.ProcessorRecordContext";
    static final String PROCESSOR_CONTEXT_IMPL = "org.apache.kafka.streams.processor.internals.ProcessorContextImpl";
    static final String PROCESSOR_STATE_MANAGER = "org.apache.kafka.streams.processor.internals.ProcessorStateManager";
    static final String STREAM_TASK = "org.apache.kafka.streams.processor.internals.StreamTask";
    static final String RECORD = "org.apache.kafka.streams.processor.api.Record";

    /** The Kafka Streams version this was written and tested against. */
    static final String TESTED_VERSION = "4.3.1";

    /** A method, by its declaring type, name, parameter types and return type (all by name). */
    record Member(String type, String name, String returns, String... parameters) {

        @Override
        public String toString() {
            return returns + " " + type.substring(type.lastIndexOf('.') + 1) + "." + name + "("
                    + String.join(
                            ", ",
                            List.of(parameters).stream()
                                    .map(p -> p.substring(p.lastIndexOf('.') + 1))
                                    .toList())
                    + ")";
        }
    }

    /** Every internal member the seam calls, implements or depends on being called. */
    static final List<Member> REQUIRED = List.of(
            // PreCommitHook implements CachedStateStore: these three are all of its abstract methods
            new Member(CACHED_STATE_STORE, "flushCache", "void"),
            new Member(CACHED_STATE_STORE, "clearCache", "void"),
            new Member(CACHED_STATE_STORE, "setFlushListener", "boolean", CACHE_FLUSH_LISTENER, "boolean"),
            // ProcessorScope forwards through InternalProcessorContext
            new Member(INTERNAL_PROCESSOR_CONTEXT, "currentNode", PROCESSOR_NODE),
            new Member(INTERNAL_PROCESSOR_CONTEXT, "setCurrentNode", "void", PROCESSOR_NODE),
            new Member(INTERNAL_PROCESSOR_CONTEXT, "recordContext", PROCESSOR_RECORD_CONTEXT),
            new Member(INTERNAL_PROCESSOR_CONTEXT, "setRecordContext", "void", PROCESSOR_RECORD_CONTEXT),
            new Member(INTERNAL_PROCESSOR_CONTEXT, "forward", "void", RECORD),
            // the path that calls the hook before a commit: StreamTask.prepareCommit → flush → flushCache of each
            // CachedStateStore of the task
            new Member(STREAM_TASK, "prepareCommit", "java.util.Map", "boolean"),
            new Member(STREAM_TASK, "flush", "void"),
            new Member(PROCESSOR_STATE_MANAGER, "flushCache", "void"));

    private KafkaStreamsInternals() {}

    /** Why {@link InMemoryBeforeCommit} cannot run on the Kafka Streams of {@code loader}, or empty when it can. */
    static Optional<String> problem(ClassLoader loader) {
        try {
            Class<?> context = Class.forName(INTERNAL_PROCESSOR_CONTEXT, false, loader);
            Class<?> impl = Class.forName(PROCESSOR_CONTEXT_IMPL, false, loader);
            if (!context.isAssignableFrom(impl)) {
                return Optional.of(PROCESSOR_CONTEXT_IMPL + " is no longer an InternalProcessorContext");
            }
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.of("missing class " + e.getMessage());
        }
        for (Member member : REQUIRED) {
            Optional<String> missing = find(member, loader);
            if (missing.isPresent()) {
                return missing;
            }
        }
        return Optional.empty();
    }

    /** The one line that says why {@code batching.buffer=in-memory} cannot run here and what to do instead. */
    static String refusal(String problem) {
        return "batching.buffer=" + InMemoryBeforeCommit.KIND + " needs Kafka Streams internals that Kafka Streams "
                + version() + " lacks (" + problem + "; tested with " + TESTED_VERSION + "): set batching.buffer="
                + ChangeloggedBuffer.KIND + ", which uses the public API only";
    }

    /** The version of the Kafka Streams jar on the class path, from the properties file it ships. */
    static String version() {
        Properties properties = new Properties();
        try (InputStream in = KafkaStreamsInternals.class
                .getClassLoader()
                .getResourceAsStream("kafka/kafka-streams-version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // the version only names the Kafka Streams in a message
        }
        return properties.getProperty("version", "(unknown version)");
    }

    private static Optional<String> find(Member member, ClassLoader loader) {
        try {
            Class<?> type = Class.forName(member.type(), false, loader);
            Class<?>[] parameters = new Class<?>[member.parameters().length];
            for (int i = 0; i < parameters.length; i++) {
                parameters[i] = typeOf(member.parameters()[i], loader);
            }
            Method method = findMethod(type, member.name(), parameters);
            if (method == null) {
                return Optional.of("missing method " + member);
            }
            if (!method.getReturnType().equals(typeOf(member.returns(), loader))) {
                return Optional.of(
                        member + " now returns " + method.getReturnType().getName());
            }
            return Optional.empty();
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.of("missing class " + e.getMessage() + " (for " + member + ")");
        }
    }

    /** Public or not, declared here or inherited. */
    private static Method findMethod(Class<?> type, String name, Class<?>[] parameters) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                return c.getDeclaredMethod(name, parameters);
            } catch (NoSuchMethodException e) {
                // look further up
            }
        }
        try {
            return type.getMethod(name, parameters);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static Class<?> typeOf(String name, ClassLoader loader) throws ClassNotFoundException {
        return switch (name) {
            case "void" -> void.class;
            case "boolean" -> boolean.class;
            case "int" -> int.class;
            case "long" -> long.class;
            default -> Class.forName(name, false, loader);
        };
    }
}
