package io.otnn.streams.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.otnn.avro.ModelCheckpoint;
import io.otnn.avro.Task;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TargetChoiceTest {

    private static long offset;

    private static Announcement a(int version, String digest) {
        ModelCheckpoint event = ModelCheckpoint.newBuilder()
                .setModelName("m")
                .setVersion(version)
                .setUri("file:/m/" + version)
                .setManifestDigest(digest)
                .setTask(Task.MULTICLASS)
                .setClassNames(List.of("a", "b"))
                .setInputShape(List.of(28, 28, 1))
                .setLipschitzConstant(1)
                .setCertificateFactor(Math.sqrt(2))
                .setCertifiedAccuracy(List.of())
                .setCreatedTime(Instant.EPOCH)
                .build();
        return new Announcement(0, offset++, event, 0);
    }

    private static List<Integer> versions(List<Announcement> tries) {
        return tries.stream().map(Announcement::version).toList();
    }

    @Test
    void shouldTargetTheLatestAnnouncementWhenNotPinned() {
        List<Announcement> history = List.of(a(1, "d1"), a(2, "d2"), a(3, "d3"));
        assertThat(versions(TargetChoice.candidates(history, null, new TargetChoice.Served(1, "d1"), Set.of(), false)))
                .containsExactly(3);
    }

    @Test
    void shouldRollBackWhenAnOlderVersionIsAnnouncedLast() {
        List<Announcement> history = List.of(a(1, "d1"), a(2, "d2"), a(1, "d1"));
        assertThat(versions(TargetChoice.candidates(history, null, new TargetChoice.Served(2, "d2"), Set.of(), false)))
                .containsExactly(1);
    }

    @Test
    void shouldDoNothingWhenTheTargetAlreadyServes() {
        List<Announcement> history = List.of(a(1, "d1"), a(2, "d2"));
        assertThat(TargetChoice.candidates(history, null, new TargetChoice.Served(2, "d2"), Set.of(), false))
                .isEmpty();
        assertThat(TargetChoice.candidates(history, null, new TargetChoice.Served(2, null), Set.of(), true))
                .isEmpty();
    }

    @Test
    void shouldTryAReannouncedVersionWhenItsDigestDiffersFromTheServedOne() {
        List<Announcement> history = List.of(a(2, "d2"), a(2, "other"));
        assertThat(versions(TargetChoice.candidates(history, null, new TargetChoice.Served(2, "d2"), Set.of(), false)))
                .containsExactly(2);
    }

    @Test
    void shouldKeepToThePinnedVersionWhenPinned() {
        List<Announcement> history = List.of(a(1, "d1"), a(2, "d2"), a(3, "d3"));
        assertThat(versions(TargetChoice.candidates(history, 2, new TargetChoice.Served(3, "d3"), Set.of(), false)))
                .containsExactly(2);
        assertThat(TargetChoice.candidates(history, 4, new TargetChoice.Served(3, "d3"), Set.of(), true))
                .isEmpty();
    }

    @Test
    void shouldNotRetryARefusedAnnouncementWhenNothingNewArrives() {
        List<Announcement> history = List.of(a(1, "d1"), a(2, "d2"));
        Set<Long> refused = Set.of(history.get(1).id());
        assertThat(TargetChoice.candidates(history, null, new TargetChoice.Served(1, "d1"), refused, false))
                .isEmpty();
    }

    @Test
    void shouldFallBackToTheVersionsBeforeWhenAtStartup() {
        List<Announcement> history = new ArrayList<>();
        for (int v = 1; v <= 6; v++) {
            history.add(a(v, "d" + v));
        }
        history.add(a(6, "d6")); // announced twice: tried once
        assertThat(versions(TargetChoice.candidates(history, null, null, Set.of(), true)))
                .containsExactly(6, 5, 4)
                .hasSize(TargetChoice.MAX_FALLBACKS);
        // stops at the version it serves: never an older one than that
        assertThat(versions(TargetChoice.candidates(history, null, new TargetChoice.Served(5, "d5"), Set.of(), true)))
                .containsExactly(6);
        // not at start-up: the latest only
        assertThat(versions(TargetChoice.candidates(history, null, null, Set.of(), false)))
                .containsExactly(6);
    }

    @Test
    void shouldOfferNothingWhenNothingIsAnnounced() {
        assertThat(TargetChoice.candidates(List.of(), null, null, Set.of(), true))
                .isEmpty();
    }
}
