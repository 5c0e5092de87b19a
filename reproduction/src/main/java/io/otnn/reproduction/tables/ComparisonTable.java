package io.otnn.reproduction.tables;

import java.util.List;
import java.util.Locale;

/**
 * One of the paper's tables with our figures beside the paper's: what the report prints. Rows and columns are laid out
 * by {@link PaperTables}; a cell is the paper's text, one of our measurements, or "not measured" with the reason.
 */
public record ComparisonTable(String id, String title, List<String> columns, List<Row> rows, List<String> notes) {

    public ComparisonTable {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
        notes = List.copyOf(notes);
    }

    public record Row(String section, String label, List<Cell> cells) {
        public Row {
            cells = List.copyOf(cells);
        }
    }

    public enum Source {
        PAPER,
        OURS,
        NOT_MEASURED
    }

    /**
     * @param text   what the report prints
     * @param value  the number (NaN when the paper's text is not a number, or not measured)
     * @param reason why a cell is not measured, else null
     */
    public record Cell(Source source, String text, double value, String reason) {

        public static Cell paper(String text) {
            return new Cell(Source.PAPER, text, io.otnn.reproduction.paper.PaperTable.number(text), null);
        }

        public static Cell ours(double value, String text) {
            return new Cell(Source.OURS, text, value, null);
        }

        public static Cell ours(double value) {
            return ours(value, format(value));
        }

        public static Cell notMeasured(String reason) {
            return new Cell(Source.NOT_MEASURED, "not measured", Double.NaN, reason);
        }
    }

    /** Three decimals, or two significant digits in scientific notation below 0.01 (as the paper's distances). */
    public static String format(double v) {
        if (Double.isNaN(v)) return "NaN";
        double a = Math.abs(v);
        return a != 0 && a < 1e-2 ? String.format(Locale.ROOT, "%.1e", v) : String.format(Locale.ROOT, "%.3f", v);
    }
}
