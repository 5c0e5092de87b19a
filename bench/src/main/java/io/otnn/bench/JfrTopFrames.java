package io.otnn.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * The top frames of one thread group in a JFR recording ({@code -XX:StartFlightRecording=...,settings=profile}):
 * the methods the sampled threads were running (self) and the methods on their stacks (total), as shares of the
 * samples. A Java thread in native code (TensorFlow's session run) is sampled as {@code jdk.NativeMethodSample}; both
 * kinds are counted.
 *
 * <p>Usage: {@code JfrTopFrames RECORDING.jfr [THREAD_NAME_PART] [TOP]} (default: {@code StreamThread-1$}, 25); a
 * name part ending in {@code $} matches the end of the thread's name only ({@code StreamThread-1$}: the stream
 * thread, not its producer's {@code …-StreamThread-1-producer}).
 */
public final class JfrTopFrames {

    private JfrTopFrames() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        String thread = args.length > 1 ? args[1] : "StreamThread-1$";
        boolean suffix = thread.endsWith("$");
        String part = suffix ? thread.substring(0, thread.length() - 1) : thread;
        int top = args.length > 2 ? Integer.parseInt(args[2]) : 25;
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        int samples = 0;
        int nativeSamples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            String type = event.getEventType().getName();
            boolean java = type.equals("jdk.ExecutionSample");
            if (!java && !type.equals("jdk.NativeMethodSample")) continue;
            var sampled = event.getThread("sampledThread");
            String name = sampled == null ? null : sampled.getJavaName();
            if (name == null || !(suffix ? name.endsWith(part) : name.contains(part))) continue;
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) continue;
            samples++;
            if (!java) nativeSamples++;
            List<RecordedFrame> frames = stack.getFrames();
            self.merge(name(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame frame : frames) {
                if (seen.add(name(frame))) total.merge(name(frame), 1, Integer::sum);
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%s: %d samples of threads named %s (%d in native code)%n",
                file,
                samples,
                suffix ? "*" + part : "*" + part + "*",
                nativeSamples);
        print("self", self, samples, top);
        print("total (on the stack)", total, samples, top);
    }

    private static void print(String title, Map<String, Integer> counts, int samples, int top) {
        System.out.printf(Locale.ROOT, "%n| %s | share | samples |%n| --- | ---: | ---: |%n", title);
        List<Map.Entry<String, Integer>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
        for (Map.Entry<String, Integer> e : sorted.subList(0, Math.min(top, sorted.size()))) {
            System.out.printf(
                    Locale.ROOT, "| `%s` | %.1f %% | %d |%n", e.getKey(), 100.0 * e.getValue() / samples, e.getValue());
        }
    }

    private static String name(RecordedFrame frame) {
        var method = frame.getMethod();
        String type = method.getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + method.getName();
    }
}
