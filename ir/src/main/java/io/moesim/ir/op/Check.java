package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import it.unimi.dsi.fastutil.longs.LongList;
import java.util.List;

/** Operand checks shared by the ops; each throws a {@link TypeException} that says what was expected. */
final class Check {
    private Check() {
    }

    static void arity(String op, List<TensorType> in, int n) {
        if (in.size() != n) {
            throw new TypeException(op + " expects " + n + " operand" + (n == 1 ? "" : "s") + ", got " + in.size());
        }
    }

    static void minArity(String op, List<TensorType> in, int n) {
        if (in.size() < n) {
            throw new TypeException(op + " expects at least " + n + " operand" + (n == 1 ? "" : "s") + ", got " + in.size());
        }
    }

    static void rank(String op, String what, TensorType t, int rank) {
        if (t.rank() != rank) {
            throw new TypeException(op + ": " + what + " must have rank " + rank + ", got " + t);
        }
    }

    static void minRank(String op, String what, TensorType t, int rank) {
        if (t.rank() < rank) {
            throw new TypeException(op + ": " + what + " must have rank >= " + rank + ", got " + t);
        }
    }

    /** A token-rows operand: rank 2, {@code rows} rows (batch·q_len) and {@code width} columns. */
    static void rows(String op, String what, TensorType t, long rows, long width) {
        rank(op, what, t, 2);
        // the names are built only for an error: type inference runs for every node of every graph built
        if (t.shape().dim(0) != rows) {
            dim(op, what + " rows (batch*q_len)", t.shape().dim(0), rows);
        }
        if (t.last() != width) {
            dim(op, what + " width", t.last(), width);
        }
    }

    static void dim(String op, String what, long actual, long expected) {
        if (actual != expected) {
            throw new TypeException(op + ": " + what + " is " + actual + ", expected " + expected);
        }
    }

    static void dtype(String op, String what, TensorType t, DType d) {
        if (t.dtype() != d) {
            throw new TypeException(op + ": " + what + " must be " + d.text() + ", got " + t);
        }
    }

    static void floating(String op, String what, TensorType t) {
        if (!t.dtype().isFloating()) {
            throw new TypeException(op + ": " + what + " must be a floating type, got " + t);
        }
    }

    static void positive(String op, String what, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(op + ": " + what + " must be > 0, got " + v);
        }
    }

    /** A batch of {@code batch} sequences, each {@code qLen} new tokens attending to {@code kvLen} (those included). */
    static void queries(String op, long batch, long qLen, long kvLen) {
        positive(op, "batch", batch);
        positive(op, "q_len", qLen);
        positive(op, "kv_len", kvLen);
        if (qLen > kvLen) {
            throw new IllegalArgumentException(op + ": q_len " + qLen + " exceeds kv_len " + kvLen);
        }
    }

    /** The bytes of all operands together (what an op reads of its inputs). */
    static long bytes(List<TensorType> in) {
        long b = 0;
        for (TensorType t : in) {
            b += t.bytes();
        }
        return b;
    }

    static long sum(LongList xs) {
        long s = 0;
        for (int i = 0; i < xs.size(); i++) {
            long x = xs.getLong(i);
            if (x < 0) {
                throw new IllegalArgumentException("negative token count " + x);
            }
            if (s > Long.MAX_VALUE - x) {
                throw new IllegalArgumentException("token counts overflow a 64-bit integer");
            }
            s += x;
        }
        return s;
    }

    static int nonZero(LongList xs) {
        int n = 0;
        for (int i = 0; i < xs.size(); i++) {
            if (xs.getLong(i) > 0) {
                n++;
            }
        }
        return n;
    }
}
