package io.moesim.sim.serving;

import io.moesim.ir.MoesimException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Rows of numbers in a text file: whitespace or commas between cells, '#' starts a comment. */
final class Rows {
    private Rows() {
    }

    /** One non-empty line. */
    record Row(Path file, int line, String[] cells) {
        /** A request length: an integer ≥ 1. */
        int length(int column) {
            try {
                int v = Integer.parseInt(cells[column]);
                if (v < 1) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw new MoesimException(file + ":" + line + ": expected a length >= 1, got '" + cells[column] + "'");
            }
        }

        /** A histogram weight: a finite number ≥ 0. */
        double weight(int column) {
            return nonNegative(column, "a weight");
        }

        /** A time in seconds: a finite number ≥ 0. */
        double seconds(int column) {
            return nonNegative(column, "a time in seconds");
        }

        private double nonNegative(int column, String what) {
            try {
                double v = Double.parseDouble(cells[column]);
                if (!(v >= 0) || Double.isInfinite(v)) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw new MoesimException(file + ":" + line + ": expected " + what + " >= 0, got '" + cells[column] + "'");
            }
        }
    }

    static List<Row> read(Path file, int columns) {
        List<String> lines;
        lines = io.moesim.ir.io.TextFiles.read(file).lines().toList();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            line = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] cells = line.split("[,\\s]+");
            if (cells.length < columns) {
                throw new MoesimException(file + ":" + (i + 1) + ": expected " + columns + " columns, got '" + line + "'");
            }
            rows.add(new Row(file, i + 1, cells));
        }
        if (rows.isEmpty()) {
            throw new MoesimException(file + ": no rows");
        }
        return rows;
    }
}
