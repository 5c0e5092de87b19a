package io.otnn.streams;

import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic with its name and serdes, so that code and tests never retype a topic string or pick a serde.
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
    }
}
