package io.moesim.hw.firrtl;

import java.util.List;

/** A FIRRTL statement (FIRRTL 4 syntax: {@code connect sink, source}, {@code regreset ...}). */
public sealed interface Stmt {

    record Wire(String name, FirType type) implements Stmt {}

    /** A register without reset. */
    record Reg(String name, FirType type, Expr clock) implements Stmt {}

    /** A register that takes {@code init} while {@code reset} is high. */
    record RegReset(String name, FirType type, Expr clock, Expr reset, Expr init) implements Stmt {}

    /** A named, immutable value. */
    record Node(String name, Expr value) implements Stmt {}

    /** Last connect wins, as in FIRRTL. */
    record Connect(Expr sink, Expr source) implements Stmt {}

    record Invalidate(Expr target) implements Stmt {}

    /** {@code when cond : ... else : ...}; an empty branch prints as {@code skip}. */
    record When(Expr cond, List<Stmt> then, List<Stmt> otherwise) implements Stmt {
        public When {
            then = List.copyOf(then);
            otherwise = List.copyOf(otherwise);
        }
    }

    /** {@code inst name of module}. */
    record Instance(String name, String module) implements Stmt {}

    record Skip() implements Stmt {}
}
