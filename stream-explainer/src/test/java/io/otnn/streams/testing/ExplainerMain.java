package io.otnn.streams.testing;

import io.otnn.streams.ExplainerConfig;
import io.otnn.streams.StreamExplainerApp;
import java.util.HashMap;
import java.util.Map;

/**
 * The stream explainer as {@code otnn explain} runs it ({@link StreamExplainerApp#runUntilStopped}), for a child JVM
 * ({@link ChildExplainer}). Arguments: {@code --model DIR} and any number of {@code -p key=value}; exit 1 when Kafka
 * Streams stopped by itself.
 */
public final class ExplainerMain {

    private ExplainerMain() {}

    /** {@code --model DIR} and {@code -p key=value} pairs as configuration keys ({@code model} for the first). */
    static Map<String, Object> arguments(String[] args) {
        Map<String, Object> props = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--model")) {
                props.put(ExplainerConfig.MODEL_CONFIG, args[++i]);
            } else if (args[i].equals("-p")) {
                String pair = args[++i];
                int eq = pair.indexOf('=');
                props.put(pair.substring(0, eq), pair.substring(eq + 1));
            } else {
                throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        return props;
    }

    public static void main(String[] args) throws Exception {
        ExplainerConfig config = ExplainerConfig.load(null, System.getenv(), arguments(args));
        System.exit(StreamExplainerApp.runUntilStopped(config).isPresent() ? 1 : 0);
    }
}
