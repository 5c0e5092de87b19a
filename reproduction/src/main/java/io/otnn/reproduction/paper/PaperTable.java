package io.otnn.reproduction.paper;

import java.util.List;

/**
 * One of the paper's tables, restricted to its Fashion-MNIST part, as printed: every cell is the paper's text
 * ({@code "0.156"}, {@code "7.5e-03"}, {@code "< 1"}), without the bold marks.
 *
 * @param id      "1", "6", "8", "9", "10", "11"
 * @param title   what the table measures
 * @param columns the paper's column headers of the rows kept
 * @param rows    the rows kept, in the paper's order
 */
public record PaperTable(String id, String title, List<String> columns, List<Row> rows) {

    /**
     * @param section the sub-heading the row sits under in the paper (e.g. "µFidelity-Uniform"), or "" when none
     * @param label   the row's first cell (a method, a network, a loss)
     * @param cells   one text per column
     */
    public record Row(String section, String label, List<String> cells) {
        public Row {
            cells = List.copyOf(cells);
        }
    }

    public PaperTable {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
        for (Row r : rows) {
            if (r.cells().size() != columns.size()) {
                throw new IllegalArgumentException("table " + id + " row " + r.label() + ": "
                        + r.cells().size() + " cells for " + columns.size() + " columns");
            }
        }
    }

    /** The cell under {@code column} in the row {@code label} of {@code section}. */
    public String cell(String section, String label, String column) {
        int c = columns.indexOf(column);
        if (c < 0) throw new IllegalArgumentException("table " + id + " has no column " + column);
        for (Row r : rows) {
            if (r.section().equals(section) && r.label().equals(label))
                return r.cells().get(c);
        }
        throw new IllegalArgumentException("table " + id + " has no row " + section + " / " + label);
    }

    /** A cell as a number: {@code "< 1"} and other non-numbers give NaN. */
    public static double number(String text) {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
