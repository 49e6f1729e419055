package io.moesim.hw.firrtl;

import java.util.List;

/**
 * A FIRRTL module (named FirModule to stay clear of {@link java.lang.Module}). The circuit's main
 * module is printed {@code public}.
 */
public record FirModule(String name, List<Port> ports, List<Stmt> body) {
    public FirModule {
        ports = List.copyOf(ports);
        body = List.copyOf(body);
    }
}
