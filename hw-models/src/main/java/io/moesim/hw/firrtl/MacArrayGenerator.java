package io.moesim.hw.firrtl;

import static io.moesim.hw.firrtl.Exprs.add;
import static io.moesim.hw.firrtl.Exprs.and;
import static io.moesim.hw.firrtl.Exprs.bitsFor;
import static io.moesim.hw.firrtl.Exprs.eq;
import static io.moesim.hw.firrtl.Exprs.field;
import static io.moesim.hw.firrtl.Exprs.index;
import static io.moesim.hw.firrtl.Exprs.lt;
import static io.moesim.hw.firrtl.Exprs.mul;
import static io.moesim.hw.firrtl.Exprs.mux;
import static io.moesim.hw.firrtl.Exprs.or;
import static io.moesim.hw.firrtl.Exprs.sint;
import static io.moesim.hw.firrtl.Exprs.sub;
import static io.moesim.hw.firrtl.Exprs.tail;
import static io.moesim.hw.firrtl.Exprs.uint;

import java.util.List;

/**
 * Output-stationary MAC array ({@code R = rows}, {@code C = cols}) computing one R x C tile of
 * {@code A (R x K) * B (K x C)}.
 *
 * <p>Interface: {@code start} (accepted when idle or done), {@code k} (K, 1..65535, held while
 * busy), {@code a_in[i]} = A[i][t] and {@code b_in[j]} = B[t][j] for the t-th cycle in which
 * {@code in_ready} is high (unskewed: the array skews rows and columns itself with delay
 * registers); results come out one row per cycle while {@code out_valid}: {@code out_row[j]} =
 * C[{@code out_idx}][j]; {@code done} is high for one cycle after the last row.
 *
 * <p>FSM: IDLE -start-> COMPUTE (K + R + C - 2 cycles: K cycles of operands, then R + C - 2 cycles
 * for the skewed wavefront to reach PE(R-1, C-1)) -> DRAIN (R cycles, one row each) -> DONE (1
 * cycle) -> IDLE, or straight back to COMPUTE if start is high in DONE.
 *
 * <p>Cycles, counting the cycle in which start is accepted and the cycle in which done is high:
 * {@code tileCycles = 1 + (K + R + C - 2) + R + 1 = K + 2R + C}; T tiles issued back to back
 * (start held high) take {@code 1 + T * (K + 2R + C - 1)}.
 */
public final class MacArrayGenerator {

    /** Width of the {@code k} port: K up to 65535. */
    public static final int K_WIDTH = 16;
    public static final String TOP = "MacArray";
    public static final String PE = "MacPe";

    private static final int IDLE = 0;
    private static final int COMPUTE = 1;
    private static final int DRAIN = 2;
    private static final int DONE = 3;

    private MacArrayGenerator() {}

    /** Cycles of one tile with inner dimension {@code k}: {@code K + 2*rows + cols}. */
    public static long tileCycles(MacArrayParams p, int k) {
        BlockParams.checkRange(MacArrayParams.BLOCK, "K", k, 1, (1 << K_WIDTH) - 1);
        return (long) k + 2L * p.rows() + p.cols();
    }

    /**
     * Cycles of an M x N x K GEMM as {@code T = ceil(M/rows) * ceil(N/cols)} tiles back to back:
     * {@code 1 + T * (K + 2*rows + cols - 1)}.
     */
    public static long cycles(MacArrayParams p, int m, int n, int k) {
        BlockParams.checkRange(MacArrayParams.BLOCK, "M", m, 1, Integer.MAX_VALUE);
        BlockParams.checkRange(MacArrayParams.BLOCK, "N", n, 1, Integer.MAX_VALUE);
        long tiles = ((long) m + p.rows() - 1) / p.rows() * (((long) n + p.cols() - 1) / p.cols());
        return 1 + tiles * (tileCycles(p, k) - 1);
    }

    public static Circuit generate(MacArrayParams p) {
        FirModule pe = pe(p);
        return new Circuit(TOP, List.of(top(p, pe), pe));
    }

    /** One PE: forwards its operands right and down after a register, accumulates their product. */
    private static FirModule pe(MacArrayParams p) {
        ModuleBuilder b = new ModuleBuilder(PE);
        FirType data = FirType.sint(p.dataWidth());
        FirType acc = FirType.sint(p.accWidth());
        Expr clock = b.input("clock", new FirType.ClockType());
        Expr reset = b.input("reset", FirType.uint(1));
        Expr clear = b.input("clear", FirType.uint(1));
        Expr en = b.input("en", FirType.uint(1));
        Expr aIn = b.input("a_in", data);
        Expr bIn = b.input("b_in", data);
        Expr aOut = b.output("a_out", data);
        Expr bOut = b.output("b_out", data);
        Expr accOut = b.output("acc", acc);

        Expr aReg = b.regReset("a_r", data, clock, reset, sint(0, p.dataWidth()));
        Expr bReg = b.regReset("b_r", data, clock, reset, sint(0, p.dataWidth()));
        Expr accReg = b.regReset("acc_r", acc, clock, reset, sint(0, p.accWidth()));
        b.connect(aReg, aIn);
        b.connect(bReg, bIn);
        Expr sum = b.node("sum", add(accReg, mul(aIn, bIn)));
        // clear wins over en: a new tile starts from zero even if the array was computing.
        b.when(clear, () -> b.connect(accReg, sint(0, p.accWidth())),
                () -> b.when(en, () -> b.connectTruncating(accReg, sum)));
        b.connect(aOut, aReg);
        b.connect(bOut, bReg);
        b.connect(accOut, accReg);
        return b.build();
    }

    private static FirModule top(MacArrayParams p, FirModule peModule) {
        int rows = p.rows();
        int cols = p.cols();
        int dw = p.dataWidth();
        int idxW = bitsFor(rows - 1);
        int cntW = bitsFor((1L << K_WIDTH) - 1 + rows + cols);
        FirType data = FirType.sint(dw);
        ModuleBuilder b = new ModuleBuilder(TOP);
        Expr clock = b.input("clock", new FirType.ClockType());
        Expr reset = b.input("reset", FirType.uint(1));
        Expr start = b.input("start", FirType.uint(1));
        Expr k = b.input("k", FirType.uint(K_WIDTH));
        Expr aIn = b.input("a_in", FirType.vec(data, rows));
        Expr bIn = b.input("b_in", FirType.vec(data, cols));
        Expr inReady = b.output("in_ready", FirType.uint(1));
        Expr busy = b.output("busy", FirType.uint(1));
        Expr done = b.output("done", FirType.uint(1));
        Expr outValid = b.output("out_valid", FirType.uint(1));
        Expr outIdx = b.output("out_idx", FirType.uint(idxW));
        Expr outRow = b.output("out_row", FirType.vec(FirType.sint(p.accWidth()), cols));

        Expr state = b.regReset("state", FirType.uint(2), clock, reset, uint(IDLE, 2));
        Expr cnt = b.regReset("cnt", FirType.uint(cntW), clock, reset, uint(0, cntW));
        Expr didx = b.regReset("didx", FirType.uint(idxW), clock, reset, uint(0, idxW));
        Expr isIdle = b.node("is_idle", eq(state, uint(IDLE, 2)));
        Expr isCompute = b.node("is_compute", eq(state, uint(COMPUTE, 2)));
        Expr isDrain = b.node("is_drain", eq(state, uint(DRAIN, 2)));
        Expr isDone = b.node("is_done", eq(state, uint(DONE, 2)));
        Expr accept = b.node("accept", and(start, or(isIdle, isDone)));
        Expr feeding = b.node("feeding", and(isCompute, lt(cnt, k)));
        // The last compute cycle is t = K + R + C - 3, when PE(R-1, C-1) takes A[R-1][K-1] * B[K-1][C-1].
        int slack = rows + cols - 3;
        Expr lastT = slack >= 0 ? add(k, uint(slack)) : tail(sub(k, uint(1)), 1);
        Expr lastCompute = b.node("last_compute", eq(cnt, lastT));

        // Operands outside the K feeding cycles are forced to zero, so the skew chains flush clean.
        Expr[] aEdge = new Expr[rows];
        for (int i = 0; i < rows; i++) {
            Expr v = b.node("a_gated_" + i, mux(feeding, index(aIn, i), sint(0, dw)));
            for (int s = 1; s <= i; s++) {
                Expr r = b.regReset("a_skew_" + i + "_" + s, data, clock, reset, sint(0, dw));
                b.connect(r, v);
                v = r;
            }
            aEdge[i] = v;
        }
        Expr[] bEdge = new Expr[cols];
        for (int j = 0; j < cols; j++) {
            Expr v = b.node("b_gated_" + j, mux(feeding, index(bIn, j), sint(0, dw)));
            for (int s = 1; s <= j; s++) {
                Expr r = b.regReset("b_skew_" + j + "_" + s, data, clock, reset, sint(0, dw));
                b.connect(r, v);
                v = r;
            }
            bEdge[j] = v;
        }

        Expr accRows = b.wire("acc_rows", FirType.vec(FirType.vec(FirType.sint(p.accWidth()), cols), rows));
        Expr[][] pes = new Expr[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                Expr pe = b.instance("pe_" + i + "_" + j, peModule);
                pes[i][j] = pe;
                b.connect(field(pe, "clock"), clock);
                b.connect(field(pe, "reset"), reset);
                b.connect(field(pe, "clear"), accept);
                b.connect(field(pe, "en"), isCompute);
                b.connect(field(pe, "a_in"), j == 0 ? aEdge[i] : field(pes[i][j - 1], "a_out"));
                b.connect(field(pe, "b_in"), i == 0 ? bEdge[j] : field(pes[i - 1][j], "b_out"));
                b.connect(index(index(accRows, i), j), field(pe, "acc"));
            }
        }

        b.when(accept, () -> {
            b.connect(state, uint(COMPUTE, 2));
            b.connect(cnt, uint(0, cntW));
        }, () -> b.when(isCompute, () -> b.when(lastCompute, () -> {
            b.connect(state, uint(DRAIN, 2));
            b.connect(didx, uint(0, idxW));
        }, () -> b.connectTruncating(cnt, add(cnt, uint(1)))),
                () -> b.when(isDrain, () -> b.when(eq(didx, uint(rows - 1, idxW)),
                        () -> b.connect(state, uint(DONE, 2)),
                        () -> b.connectTruncating(didx, add(didx, uint(1)))),
                        () -> b.when(isDone, () -> b.connect(state, uint(IDLE, 2))))));

        b.connect(inReady, feeding);
        b.connect(busy, or(isCompute, isDrain));
        b.connect(done, isDone);
        b.connect(outValid, isDrain);
        b.connect(outIdx, didx);
        for (int j = 0; j < cols; j++) {
            b.connect(index(outRow, j), index(index(accRows, didx), j));
        }
        return b.build();
    }
}
