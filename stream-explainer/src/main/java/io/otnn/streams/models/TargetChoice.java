package io.otnn.streams.models;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which announcements a slot should try, in order, given what the models topic said about its name (the latest
 * announcement is the target, so announcing an older version rolls back; a pin keeps to its version) and what it
 * serves now. Pure: the follower's decisions, without Kafka.
 */
public final class TargetChoice {

    /** At a (re)start, the most versions tried, newest first, when the latest is refused. */
    public static final int MAX_FALLBACKS = 3;

    /** The version and manifest digest served now; a null digest matches any checkpoint of that version. */
    public record Served(int version, String digest) {
        boolean is(Announcement a) {
            return a.version() == version && (digest == null || digest.equals(a.digest()));
        }
    }

    private TargetChoice() {}

    /**
     * @param history   the announcements of the slot's name, in topic order
     * @param pin       the pinned version, or null to follow the latest announcement
     * @param served    what the slot serves, or null when it serves nothing yet
     * @param refused   ids ({@link Announcement#id}) of announcements this process has refused (never tried again)
     * @param atStartup true once, when the topic has been read to its end at start-up: then, when the target is
     *                  refused, the versions announced before it are tried (at most {@link #MAX_FALLBACKS} in all,
     *                  newest first, stopping at the one served)
     * @return the announcements to try, in order; empty when the slot already serves its target or has refused it
     */
    public static List<Announcement> candidates(
            List<Announcement> history, Integer pin, Served served, Set<Long> refused, boolean atStartup) {
        List<Announcement> pool = new ArrayList<>();
        for (Announcement a : history) {
            if (pin == null || a.version() == pin) {
                pool.add(a);
            }
        }
        if (pool.isEmpty()) {
            return List.of();
        }
        Announcement target = pool.get(pool.size() - 1);
        if (served != null && served.is(target)) {
            return List.of();
        }
        if (!atStartup) {
            return refused.contains(target.id()) ? List.of() : List.of(target);
        }
        List<Announcement> tries = new ArrayList<>();
        Set<Integer> versions = new HashSet<>();
        for (int i = pool.size() - 1; i >= 0 && versions.size() < MAX_FALLBACKS; i--) {
            Announcement a = pool.get(i);
            if (!versions.add(a.version())) {
                continue; // an older announcement of a version already considered
            }
            if (served != null && served.is(a)) {
                break;
            }
            if (!refused.contains(a.id())) {
                tries.add(a);
            }
        }
        return tries;
    }
}
