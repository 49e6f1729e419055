package io.moesim.cli;

import java.util.List;

/** The subcommands, in the order `moesim --help` lists them. */
final class Commands {
    private Commands() {
    }

    static List<Object> all() {
        return List.of();
    }
}
