package io.moesim.hw.firrtl;

import static io.moesim.hw.firrtl.Exprs.add;
import static io.moesim.hw.firrtl.Exprs.and;
import static io.moesim.hw.firrtl.Exprs.bitsFor;
import static io.moesim.hw.firrtl.Exprs.eq;
import static io.moesim.hw.firrtl.Exprs.geq;
import static io.moesim.hw.firrtl.Exprs.index;
import static io.moesim.hw.firrtl.Exprs.log2Ceil;
import static io.moesim.hw.firrtl.Exprs.mul;
import static io.moesim.hw.firrtl.Exprs.mux;
import static io.moesim.hw.firrtl.Exprs.or;
import static io.moesim.hw.firrtl.Exprs.sint;
import static io.moesim.hw.firrtl.Exprs.uint;

import java.util.ArrayList;
import java.util.List;

/**
 * The Logic-PIM GEMM module of Duplex: {@code y = W x} for a weight matrix W (N x K) streamed from
 * DRAM one bank bundle per step and M tokens of activations x (K each) held in an on-module buffer.
 * Each step's bundle carries {@code w = bundleBits / dataWidth} consecutive weights of one row of W;
 * it is broadcast to all L lanes, lane l multiplies it with the matching chunk of token l's
 * activations and adds the w products in a tree. So each weight read serves L tokens, which is
 * where the module's Op/B comes from.
 *
 * <p>Activations: while not busy, write {@code act_data} (one chunk of w values) to
 * {@code (act_lane, act_slot)} when {@code act_wen}. Token m lives in lane {@code m mod L}; its
 * chunk c of pass {@code p = m div L} in slot {@code p * kc + c}, where {@code kc = ceil(K / w)}
 * (the host pads K to a multiple of w with zeros). Loading M tokens takes {@code M * kc} cycles.
 *
 * <p>Compute: {@code start} with {@code n_rows = N}, {@code k_chunks = kc}, {@code m_tokens = M}.
 * The weight stream is {@code for pass p < P = ceil(M/L): for row n < N: for chunk c < kc:}
 * {@code W[n][c*w .. c*w+w-1]}, one bundle per cycle in which {@code w_ready && w_valid}. Two
 * pipeline stages (dot products, then accumulate) follow; when a row's last chunk has been
 * accumulated, {@code out_valid} is high for one cycle with {@code out_y[l]} = y[n][token
 * {@code out_token + l}] for row {@code out_row}.
 *
 * <p>FSM: IDLE -start-> RUN (P*N*kc bundle cycles) -> FLUSH (1) -> DONE (1, with the last row's
 * out_valid) -> IDLE, or RUN again if start is high in DONE.
 *
 * <p>Cycles, counting the start cycle and the done cycle, with {@code w_valid} always high:
 * {@code P*N*kc + 3}; each RUN cycle with {@code w_valid} low adds one.
 */
public final class PimGemmGenerator {

    public static final String TOP = "PimGemm";
    /** Width of {@code n_rows}: N up to 65535. */
    public static final int N_WIDTH = 16;

    private static final int IDLE = 0;
    private static final int RUN = 1;
    private static final int FLUSH = 2;
    private static final int DONE = 3;

    private PimGemmGenerator() {}

    /** {@code ceil(K / w)}: bank-bundle steps per row of W. */
    public static int chunks(PimGemmParams p, int k) {
        BlockParams.checkRange(PimGemmParams.BLOCK, "K", k, 1, Integer.MAX_VALUE);
        return (k + p.weightsPerStep() - 1) / p.weightsPerStep();
    }

    /** {@code ceil(M / lanes)}: passes over W. */
    public static int passes(PimGemmParams p, int m) {
        BlockParams.checkRange(PimGemmParams.BLOCK, "M", m, 1, Integer.MAX_VALUE);
        return (m + p.lanes() - 1) / p.lanes();
    }

    /**
     * Compute cycles of {@code y (N x M) = W (N x K) x (K x M)}: {@code P*N*kc + 3} with
     * {@code P = ceil(M/lanes)}, {@code kc = ceil(K/w)}; throws when the M tokens do not fit the buffer.
     */
    public static long cycles(PimGemmParams p, int m, int n, int k) {
        checkFits(p, m, n, k);
        return (long) passes(p, m) * n * chunks(p, k) + 3;
    }

    /** Cycles to load the activations of M tokens: {@code M * ceil(K/w)}, one chunk per cycle. */
    public static long loadCycles(PimGemmParams p, int m, int k) {
        return (long) m * chunks(p, k);
    }

    /** Throws unless M tokens of K activations fit the buffer and N fits the row counter. */
    public static void checkFits(PimGemmParams p, int m, int n, int k) {
        BlockParams.checkRange(PimGemmParams.BLOCK, "N", n, 1, (1L << N_WIDTH) - 1);
        long need = (long) passes(p, m) * chunks(p, k);
        if (need > p.slotsPerLane()) {
            throw new FirrtlException(PimGemmParams.BLOCK + ".bufferEntries", "M=" + m + " tokens of K=" + k
                    + " need " + need + " entries per lane, the buffer has " + p.slotsPerLane());
        }
    }

    public static Circuit generate(PimGemmParams p) {
        return new Circuit(TOP, List.of(top(p)));
    }

    private static FirModule top(PimGemmParams p) {
        int lanes = p.lanes();
        int w = p.weightsPerStep();
        int dw = p.dataWidth();
        int aw = p.accWidth();
        int slots = p.slotsPerLane();
        int slotW = bitsFor(slots);
        int tokW = bitsFor((long) lanes * slots);
        int dotW = 2 * dw + log2Ceil(w);
        FirType data = FirType.sint(dw);
        FirType chunk = FirType.vec(data, w);
        FirType accT = FirType.sint(aw);

        ModuleBuilder b = new ModuleBuilder(TOP);
        Expr clock = b.input("clock", new FirType.ClockType());
        Expr reset = b.input("reset", FirType.uint(1));
        Expr actWen = b.input("act_wen", FirType.uint(1));
        Expr actLane = b.input("act_lane", FirType.uint(bitsFor(lanes - 1)));
        Expr actSlot = b.input("act_slot", FirType.uint(bitsFor(slots - 1)));
        Expr actData = b.input("act_data", chunk);
        Expr start = b.input("start", FirType.uint(1));
        Expr nRows = b.input("n_rows", FirType.uint(N_WIDTH));
        Expr kChunks = b.input("k_chunks", FirType.uint(slotW));
        Expr mTokens = b.input("m_tokens", FirType.uint(tokW));
        Expr wValid = b.input("w_valid", FirType.uint(1));
        Expr wData = b.input("w_data", chunk);
        Expr wReady = b.output("w_ready", FirType.uint(1));
        Expr busy = b.output("busy", FirType.uint(1));
        Expr done = b.output("done", FirType.uint(1));
        Expr outValid = b.output("out_valid", FirType.uint(1));
        Expr outRow = b.output("out_row", FirType.uint(N_WIDTH));
        Expr outToken = b.output("out_token", FirType.uint(tokW));
        Expr outY = b.output("out_y", FirType.vec(accT, lanes));

        // Activation buffer: one register file per lane, so all lanes read in the same cycle.
        List<Expr> buf = new ArrayList<>();
        for (int l = 0; l < lanes; l++) {
            buf.add(b.reg("act_buf_" + l, FirType.vec(chunk, slots), clock));
        }
        b.when(actWen, () -> {
            for (int l = 0; l < lanes; l++) {
                Expr lane = buf.get(l);
                b.when(eq(actLane, uint(l)), () -> b.connect(index(lane, actSlot), actData));
            }
        });

        Expr state = b.regReset("state", FirType.uint(2), clock, reset, uint(IDLE, 2));
        Expr c = b.regReset("chunk", FirType.uint(slotW), clock, reset, uint(0, slotW));
        Expr n = b.regReset("row", FirType.uint(N_WIDTH), clock, reset, uint(0, N_WIDTH));
        Expr base = b.regReset("slot_base", FirType.uint(slotW), clock, reset, uint(0, slotW));
        Expr tok = b.regReset("token_base", FirType.uint(tokW), clock, reset, uint(0, tokW));
        Expr isIdle = b.node("is_idle", eq(state, uint(IDLE, 2)));
        Expr isRun = b.node("is_run", eq(state, uint(RUN, 2)));
        Expr isFlush = b.node("is_flush", eq(state, uint(FLUSH, 2)));
        Expr isDone = b.node("is_done", eq(state, uint(DONE, 2)));
        Expr accept = b.node("accept", and(start, or(isIdle, isDone)));
        Expr fire = b.node("fire", and(isRun, wValid));
        Expr lastChunk = b.node("last_chunk", eq(add(c, uint(1)), kChunks));
        Expr lastRow = b.node("last_row", eq(add(n, uint(1)), nRows));
        Expr lastPass = b.node("last_pass", geq(add(tok, uint(lanes)), mTokens));
        Expr addr = b.node("addr", add(base, c));

        // Stage 1: per-lane dot product of the weight bundle with the lane's activation chunk.
        Expr dv = b.regReset("d_valid", FirType.uint(1), clock, reset, uint(0, 1));
        Expr dFirst = b.regReset("d_first", FirType.uint(1), clock, reset, uint(0, 1));
        Expr dLast = b.regReset("d_last", FirType.uint(1), clock, reset, uint(0, 1));
        Expr dRow = b.regReset("d_row", FirType.uint(N_WIDTH), clock, reset, uint(0, N_WIDTH));
        Expr dTok = b.regReset("d_token", FirType.uint(tokW), clock, reset, uint(0, tokW));
        List<Expr> dot = new ArrayList<>();
        List<Expr> tree = new ArrayList<>();
        for (int l = 0; l < lanes; l++) {
            dot.add(b.regReset("dot_" + l, FirType.sint(dotW), clock, reset, sint(0, dotW)));
            Expr act = b.node("act_" + l, index(buf.get(l), addr));
            List<Expr> level = new ArrayList<>();
            for (int j = 0; j < w; j++) {
                level.add(b.node("prod_" + l + "_" + j, mul(index(wData, j), index(act, j))));
            }
            // Pairwise adder tree; an odd element passes up a level unchanged.
            int depth = 0;
            while (level.size() > 1) {
                List<Expr> up = new ArrayList<>();
                for (int j = 0; j + 1 < level.size(); j += 2) {
                    up.add(b.node("sum_" + l + "_" + depth + "_" + j / 2, add(level.get(j), level.get(j + 1))));
                }
                if (level.size() % 2 == 1) {
                    up.add(level.get(level.size() - 1));
                }
                level = up;
                depth++;
            }
            tree.add(level.get(0));
        }
        b.connect(dv, fire);
        b.when(fire, () -> {
            for (int l = 0; l < lanes; l++) {
                b.connect(dot.get(l), tree.get(l));
            }
            b.connect(dFirst, eq(c, uint(0)));
            b.connect(dLast, lastChunk);
            b.connect(dRow, n);
            b.connect(dTok, tok);
        });

        // Stage 2: accumulate; a row's last chunk also updates the output registers.
        Expr outV = b.regReset("out_v", FirType.uint(1), clock, reset, uint(0, 1));
        Expr outRowR = b.regReset("out_row_r", FirType.uint(N_WIDTH), clock, reset, uint(0, N_WIDTH));
        Expr outTokR = b.regReset("out_token_r", FirType.uint(tokW), clock, reset, uint(0, tokW));
        Expr rowEnd = b.node("row_end", and(dv, dLast));
        b.connect(outV, rowEnd);
        for (int l = 0; l < lanes; l++) {
            Expr acc = b.regReset("acc_" + l, accT, clock, reset, sint(0, aw));
            Expr yR = b.regReset("y_" + l, accT, clock, reset, sint(0, aw));
            Expr sum = b.node("acc_next_" + l, add(mux(dFirst, sint(0, aw), acc), dot.get(l)));
            b.when(dv, () -> b.connectTruncating(acc, sum));
            b.when(rowEnd, () -> b.connectTruncating(yR, sum));
            b.connect(index(outY, l), yR);
        }
        b.when(rowEnd, () -> {
            b.connect(outRowR, dRow);
            b.connect(outTokR, dTok);
        });

        // Step order: chunk fastest, then row, then pass.
        b.when(accept, () -> {
            b.connect(state, uint(RUN, 2));
            b.connect(c, uint(0, slotW));
            b.connect(n, uint(0, N_WIDTH));
            b.connect(base, uint(0, slotW));
            b.connect(tok, uint(0, tokW));
        });
        b.when(fire, () -> b.when(lastChunk, () -> {
            b.connect(c, uint(0, slotW));
            b.when(lastRow, () -> {
                b.connect(n, uint(0, N_WIDTH));
                b.when(lastPass, () -> b.connect(state, uint(FLUSH, 2)), () -> {
                    b.connectTruncating(tok, add(tok, uint(lanes)));
                    b.connectTruncating(base, add(base, kChunks));
                });
            }, () -> b.connectTruncating(n, add(n, uint(1))));
        }, () -> b.connectTruncating(c, add(c, uint(1)))));
        b.when(isFlush, () -> b.connect(state, uint(DONE, 2)));
        b.when(and(isDone, Exprs.not(start)), () -> b.connect(state, uint(IDLE, 2)));

        b.connect(wReady, isRun);
        b.connect(busy, or(isRun, isFlush));
        b.connect(done, isDone);
        b.connect(outValid, outV);
        b.connect(outRow, outRowR);
        b.connect(outToken, outTokR);
        return b.build();
    }
}
