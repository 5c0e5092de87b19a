package io.otnn.trainer.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A piecewise-constant learning rate per epoch, written {@code "5e-4:50,5e-5:75,1e-6"}: 5e-4 for epochs [0, 50),
 * 5e-5 for [50, 75), 1e-6 afterwards (the paper's Fashion-MNIST schedule, appendix A.2.3).
 */
public record LearningRateSchedule(List<Double> rates, List<Integer> boundaries) {

    /** Paper A.2.3, Fashion-MNIST (200 epochs, batch 128). */
    public static final String FASHION_MNIST = "5e-4:50,5e-5:75,1e-6";
    /** deel-lip's demo 4 (the {@code cnn} preset's default): Adam at 5e-4 throughout. */
    public static final String DEMO4 = "5e-4";

    public LearningRateSchedule {
        rates = List.copyOf(rates);
        boundaries = List.copyOf(boundaries);
        if (rates.size() != boundaries.size() + 1) {
            throw new IllegalArgumentException("a schedule needs one more rate than boundaries");
        }
        for (double r : rates) {
            if (!(r > 0 && r <= 1)) throw new IllegalArgumentException("learning rate must be in (0, 1], got " + r);
        }
        for (int i = 1; i < boundaries.size(); i++) {
            if (boundaries.get(i) <= boundaries.get(i - 1))
                throw new IllegalArgumentException("schedule boundaries must increase: " + boundaries);
        }
    }

    public static LearningRateSchedule constant(double rate) {
        return new LearningRateSchedule(List.of(rate), List.of());
    }

    public static LearningRateSchedule parse(String text) {
        List<Double> rates = new ArrayList<>();
        List<Integer> bounds = new ArrayList<>();
        String[] parts = text.trim().split(",");
        try {
            for (int i = 0; i < parts.length; i++) {
                String[] rb = parts[i].trim().split(":");
                rates.add(Double.parseDouble(rb[0].trim()));
                if (i < parts.length - 1) {
                    if (rb.length != 2) throw new IllegalArgumentException("missing ':epoch'");
                    bounds.add(Integer.parseInt(rb[1].trim()));
                } else if (rb.length != 1) {
                    throw new IllegalArgumentException("the last rate has no end epoch");
                }
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "learning-rate schedule '" + text + "' is not 'rate:untilEpoch,…,rate' (e.g. " + FASHION_MNIST
                            + "): " + e.getMessage(),
                    e);
        }
        return new LearningRateSchedule(rates, bounds);
    }

    public float at(int epoch) {
        for (int i = 0; i < boundaries.size(); i++) {
            if (epoch < boundaries.get(i)) return rates.get(i).floatValue();
        }
        return rates.get(rates.size() - 1).floatValue();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < rates.size(); i++) {
            if (i > 0) s.append(',');
            s.append(String.format(Locale.ROOT, "%s", rates.get(i)));
            if (i < boundaries.size()) s.append(':').append(boundaries.get(i));
        }
        return s.toString();
    }
}
