package io.inceptionserve.model.blocks;

import java.util.List;

/**
 * A row of a network's channel table: one Inception module's widths, as the paper or the cited
 * code lists them, under the module's name.
 */
public interface ChannelTableRow {

    /**
     * Returns the module's name in the table.
     *
     * @return the name, e.g. "3a"
     */
    String name();

    /**
     * Finds a module's row.
     *
     * @param table the network's channel table
     * @param name the module's name
     * @param <R> the network's row type
     * @return the row named {@code name}
     * @throws IllegalArgumentException if no row has that name
     */
    static <R extends ChannelTableRow> R named(List<R> table, String name) {
        return table.stream()
                .filter(row -> row.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No row named " + name + " in the channel table"));
    }
}
