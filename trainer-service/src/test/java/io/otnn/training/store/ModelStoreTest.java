package io.otnn.training.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

    @TempDir
    Path tmp;

    @Test
    void shouldAllocateOneMoreThanTheStoreAndTheAnnouncementsWhenAskedForAVersion() throws Exception {
        ModelStore store = new ModelStore(tmp);
        assertThat(store.allocateVersion("m", n -> 0)).isEqualTo(1);
        assertThat(store.allocateVersion("m", n -> 0)).isEqualTo(2);
        assertThat(store.allocateVersion("m", n -> 5)).isEqualTo(6);
        assertThat(store.allocateVersion("other", n -> 0)).isEqualTo(1);
        // a new instance on the same folder (a restart) goes on from the directories
        assertThat(new ModelStore(tmp).allocateVersion("m", n -> 3)).isEqualTo(7);
        assertThat(store.versions("m")).containsExactly(1, 2, 6, 7);
    }

    @Test
    void shouldNeverGiveOneVersionTwiceWhenServicesShareTheStore() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                ModelStore store = new ModelStore(tmp);
                futures.add(pool.submit(() -> store.allocateVersion("m", n -> 0)));
            }
            List<Integer> got = new ArrayList<>();
            for (Future<Integer> f : futures) got.add(f.get());
            Collections.sort(got);
            List<Integer> expected = new ArrayList<>();
            for (int i = 1; i <= 40; i++) expected.add(i);
            assertThat(got).isEqualTo(expected);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldGiveBackAnEmptyVersionAndItsStagingWhenItsJobFailed() throws Exception {
        ModelStore store = new ModelStore(tmp);
        store.allocateVersion("m", n -> 0);
        int two = store.allocateVersion("m", n -> 0);
        Path staging = Files.createDirectories(tmp.resolve("models/m/.2.staging-123/variables"));
        Path otherStaging = Files.createDirectories(tmp.resolve("models/m/.1.staging-456"));
        store.releaseIfEmpty("m", two);
        assertThat(staging.getParent()).doesNotExist();
        assertThat(otherStaging).exists();
        assertThat(store.versions("m")).containsExactly(1);
        assertThat(store.allocateVersion("m", n -> 0)).isEqualTo(2);
        // a version with content is never given back
        Files.writeString(store.checkpointDir("m", 2).resolve("MANIFEST.sha256"), "x");
        store.releaseIfEmpty("m", 2);
        assertThat(store.versions("m")).containsExactly(1, 2);
        assertThat(store.isComplete("m", 2)).isTrue();
        assertThat(store.served()).isEmpty();
    }
}
