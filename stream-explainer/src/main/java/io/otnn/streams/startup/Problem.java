package io.otnn.streams.startup;

/**
 * Why one attempt to reach a dependency failed, in a few words, and whether trying again can help (a refused
 * connection can, a refused password cannot).
 */
record Problem(String reason, boolean fatal) {

    static Problem retry(String reason) {
        return new Problem(reason, false);
    }

    static Problem fatal(String reason) {
        return new Problem(reason, true);
    }
}
