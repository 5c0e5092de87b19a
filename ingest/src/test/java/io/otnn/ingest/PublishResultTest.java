package io.otnn.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class PublishResultTest {

    @Test
    void shouldSucceedOnlyWhenSomethingWasSentAndNoCredentialWasRefused() {
        assertThat(new PublishResult(3, 0, 1, List.of("x: unreadable"), 1.0, null).succeeded())
                .isTrue();
        assertThat(new PublishResult(0, 0, 1, List.of("x: unreadable"), 1.0, null).succeeded())
                .isFalse();
        assertThat(new PublishResult(3, 0, 0, List.of(), 1.0, "Kafka refused the credentials").succeeded())
                .isFalse();
    }

    @Test
    void shouldSayWhatWasSentWhereAndHowFastWhenSummarised() {
        Locale previous = Locale.getDefault(Locale.Category.FORMAT);
        Locale.setDefault(Locale.Category.FORMAT, Locale.ROOT);
        try {
            assertThat(new PublishResult(1_200, 2, 3, List.of(), 2.0, null).summary("otnn.images"))
                    .isEqualTo("Sent 1,200 image(s) to otnn.images in 2.0 s (600/s); 3 unreadable, 2 refused");
        } finally {
            Locale.setDefault(Locale.Category.FORMAT, previous);
        }
    }
}
