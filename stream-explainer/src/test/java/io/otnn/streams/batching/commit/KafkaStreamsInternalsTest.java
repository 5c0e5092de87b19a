package io.otnn.streams.batching.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.otnn.streams.startup.StartupException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The internal Kafka Streams members {@link InMemoryBeforeCommit} needs, checked by reflection on the Kafka Streams
 * of the class path: this test fails loudly on a Kafka Streams that renamed, removed or re-typed any of them. Whether
 * Kafka Streams still calls the hook before it takes a task's offsets is {@code WaitingImagesAtRebalanceTest}'s and
 * {@code BatchingTest}'s part, on the real broker.
 */
class KafkaStreamsInternalsTest {

    /** Delegates to the test's class loader, except for the classes it hides (as a Kafka Streams without them). */
    private static final class HidingClassLoader extends ClassLoader {
        private final Set<String> hidden;

        HidingClassLoader(String... hidden) {
            super(KafkaStreamsInternalsTest.class.getClassLoader());
            this.hidden = Set.of(hidden);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (hidden.contains(name)) {
                throw new ClassNotFoundException(name);
            }
            return super.loadClass(name, resolve);
        }
    }

    @Test
    void shouldFindEveryInternalMemberWithItsSignatureWhenRunOnTheKafkaStreamsOfTheClassPath() {
        assertThat(KafkaStreamsInternals.problem(getClass().getClassLoader()))
                .as("on Kafka Streams %s", KafkaStreamsInternals.version())
                .isEmpty();
        assertThat(KafkaStreamsInternals.version()).as("read from the jar").matches("\\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void shouldListEveryAbstractMethodOfCachedStateStoreWhenThePreCommitHookImplementsIt() throws Exception {
        Class<?> cached = Class.forName(KafkaStreamsInternals.CACHED_STATE_STORE);
        assertThat(cached).isAssignableFrom(PreCommitHook.class);
        // a method Kafka Streams adds to the interface would have to be implemented, and checked, too
        Set<String> listed = Set.copyOf(KafkaStreamsInternals.REQUIRED.stream()
                .filter(m -> m.type().equals(KafkaStreamsInternals.CACHED_STATE_STORE))
                .map(m -> m.name())
                .toList());
        assertThat(Arrays.stream(cached.getDeclaredMethods())
                        .filter(m -> Modifier.isAbstract(m.getModifiers()))
                        .map(Method::getName))
                .containsExactlyInAnyOrderElementsOf(listed);
    }

    @Test
    void shouldNameTheMissingClassAndSuggestTheChangeloggedBufferWhenCachedStateStoreIsAbsent() {
        ClassLoader withoutIt = new HidingClassLoader(KafkaStreamsInternals.CACHED_STATE_STORE);

        assertThat(KafkaStreamsInternals.problem(withoutIt))
                .hasValueSatisfying(problem -> assertThat(problem).contains("CachedStateStore"));
        assertThatThrownBy(() -> ImageBuffer.requireSupported(InMemoryBeforeCommit.KIND, withoutIt))
                .isInstanceOf(StartupException.class)
                .hasMessageStartingWith("batching.buffer=in-memory needs Kafka Streams internals that Kafka Streams "
                        + KafkaStreamsInternals.version() + " lacks (missing class ")
                .hasMessageContaining("CachedStateStore")
                .hasMessageEndingWith("set batching.buffer=changelogged, which uses the public API only")
                .hasMessageNotContaining("\n");
    }

    @Test
    void shouldRefuseTheInMemoryBufferWhenAParameterTypeOfAnInternalMethodIsAbsent() {
        ClassLoader withoutIt = new HidingClassLoader(KafkaStreamsInternals.PROCESSOR_RECORD_CONTEXT);

        assertThat(KafkaStreamsInternals.problem(withoutIt))
                .hasValueSatisfying(problem ->
                        assertThat(problem).contains("ProcessorRecordContext").contains("InternalProcessorContext"));
    }

    @Test
    void shouldStartTheChangeloggedBufferWhenTheInternalApiIsAbsent() {
        ClassLoader withoutIt = new HidingClassLoader(
                KafkaStreamsInternals.CACHED_STATE_STORE, KafkaStreamsInternals.INTERNAL_PROCESSOR_CONTEXT);

        assertThatCode(() -> ImageBuffer.requireSupported(ChangeloggedBuffer.KIND, withoutIt))
                .doesNotThrowAnyException();
        assertThatCode(() -> ImageBuffer.requireSupported(
                        InMemoryBeforeCommit.KIND, getClass().getClassLoader()))
                .doesNotThrowAnyException();
    }
}
