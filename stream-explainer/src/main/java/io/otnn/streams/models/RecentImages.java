package io.otnn.streams.models;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** The last few images the stream decoded (one per batch), newest first: the self-test's real images. Thread-safe. */
final class RecentImages {

    private final int capacity;
    private final Deque<float[]> images = new ArrayDeque<>();

    RecentImages(int capacity) {
        this.capacity = capacity;
    }

    synchronized void offer(float[] pixels) {
        images.addFirst(pixels);
        while (images.size() > capacity) {
            images.removeLast();
        }
    }

    synchronized List<float[]> snapshot() {
        return new ArrayList<>(images);
    }
}
