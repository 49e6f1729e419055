package io.moesim.hw.firrtl;

import static io.moesim.hw.firrtl.Exprs.add;
import static io.moesim.hw.firrtl.Exprs.and;
import static io.moesim.hw.firrtl.Exprs.bitsFor;
import static io.moesim.hw.firrtl.Exprs.eq;
import static io.moesim.hw.firrtl.Exprs.index;
import static io.moesim.hw.firrtl.Exprs.or;
import static io.moesim.hw.firrtl.Exprs.sub;
import static io.moesim.hw.firrtl.Exprs.uint;

import java.util.List;

/**
 * Replays a ROM of commands. {@code start} (accepted when idle or done) begins at command 0. Each
 * command is presented ({@code cmd_valid}, {@code cmd_index}, {@code cmd_opcode},
 * {@code cmd_fields}) until {@code cmd_ready} is high in the same cycle, then the sequencer waits
 * {@code waitCycles} idle cycles before the next. After the last command's wait, {@code done} is
 * high for one cycle.
 *
 * <p>FSM: IDLE -start-> ISSUE (1 cycle per command, more while cmd_ready is low) -> WAIT
 * (waitCycles, skipped when 0) -> ISSUE ... -> DONE -> IDLE, or ISSUE of command 0 if start is
 * high in DONE.
 *
 * <p>Cycles, counting the start cycle and the done cycle, with cmd_ready always high:
 * {@code 2 + sum over commands of (1 + waitCycles)}; each ISSUE cycle with cmd_ready low adds one.
 */
public final class SequencerGenerator {

    public static final String TOP = "Sequencer";

    private static final int IDLE = 0;
    private static final int ISSUE = 1;
    private static final int WAIT = 2;
    private static final int DONE = 3;

    private SequencerGenerator() {}

    /** {@code 2 + sum(1 + waitCycles)}: one replay of the whole ROM with cmd_ready held high. */
    public static long cycles(SequencerParams p) {
        long total = 2;
        for (Command c : p.rom()) {
            total += 1L + c.waitCycles();
        }
        return total;
    }

    public static Circuit generate(SequencerParams p) {
        List<Command> rom = p.rom();
        int size = rom.size();
        int pcW = bitsFor(size - 1);
        int maxWait = rom.stream().mapToInt(Command::waitCycles).max().orElse(0);
        int waitW = bitsFor(maxWait);
        int ow = p.opcodeWidth();
        int fw = p.fieldWidth();

        ModuleBuilder b = new ModuleBuilder(TOP);
        Expr clock = b.input("clock", new FirType.ClockType());
        Expr reset = b.input("reset", FirType.uint(1));
        Expr start = b.input("start", FirType.uint(1));
        Expr cmdReady = b.input("cmd_ready", FirType.uint(1));
        Expr busy = b.output("busy", FirType.uint(1));
        Expr done = b.output("done", FirType.uint(1));
        Expr cmdValid = b.output("cmd_valid", FirType.uint(1));
        Expr cmdIndex = b.output("cmd_index", FirType.uint(pcW));
        Expr cmdOpcode = b.output("cmd_opcode", FirType.uint(ow));
        Expr cmdFields = p.fieldCount() == 0 ? null
                : b.output("cmd_fields", FirType.vec(FirType.uint(fw), p.fieldCount()));

        // The ROM: wires of constants, indexed by the program counter.
        Expr romOp = b.wire("rom_opcode", FirType.vec(FirType.uint(ow), size));
        Expr romWait = b.wire("rom_wait", FirType.vec(FirType.uint(waitW), size));
        Expr romFields = p.fieldCount() == 0 ? null
                : b.wire("rom_fields", FirType.vec(FirType.vec(FirType.uint(fw), p.fieldCount()), size));
        for (int i = 0; i < size; i++) {
            Command c = rom.get(i);
            b.connect(index(romOp, i), uint(c.opcode(), ow));
            b.connect(index(romWait, i), uint(c.waitCycles(), waitW));
            for (int f = 0; f < p.fieldCount(); f++) {
                b.connect(index(index(romFields, i), f), uint(c.fields().get(f), fw));
            }
        }

        Expr state = b.regReset("state", FirType.uint(2), clock, reset, uint(IDLE, 2));
        Expr pc = b.regReset("pc", FirType.uint(pcW), clock, reset, uint(0, pcW));
        Expr wcnt = b.regReset("wait_count", FirType.uint(waitW), clock, reset, uint(0, waitW));
        Expr isIdle = b.node("is_idle", eq(state, uint(IDLE, 2)));
        Expr isIssue = b.node("is_issue", eq(state, uint(ISSUE, 2)));
        Expr isWait = b.node("is_wait", eq(state, uint(WAIT, 2)));
        Expr isDone = b.node("is_done", eq(state, uint(DONE, 2)));
        Expr accept = b.node("accept", and(start, or(isIdle, isDone)));
        Expr curWait = b.node("cur_wait", index(romWait, pc));
        Expr isLast = b.node("is_last", eq(pc, uint(size - 1, pcW)));
        Expr fired = b.node("fired", and(isIssue, cmdReady));

        // After a command and its wait: the next command, or DONE after the last one.
        Runnable advance = () -> b.when(isLast, () -> b.connect(state, uint(DONE, 2)), () -> {
            b.connect(state, uint(ISSUE, 2));
            b.connectTruncating(pc, add(pc, uint(1)));
        });
        b.when(accept, () -> {
            b.connect(state, uint(ISSUE, 2));
            b.connect(pc, uint(0, pcW));
        }, () -> b.when(fired, () -> b.when(eq(curWait, uint(0)), advance, () -> {
            b.connect(state, uint(WAIT, 2));
            // WAIT lasts wait_count + 1 cycles, so load waitCycles - 1.
            b.connectTruncating(wcnt, sub(curWait, uint(1)));
        }), () -> b.when(isWait, () -> b.when(eq(wcnt, uint(0)), advance,
                () -> b.connectTruncating(wcnt, sub(wcnt, uint(1)))),
                () -> b.when(isDone, () -> b.connect(state, uint(IDLE, 2))))));

        b.connect(busy, or(isIssue, isWait));
        b.connect(done, isDone);
        b.connect(cmdValid, isIssue);
        b.connect(cmdIndex, pc);
        b.connect(cmdOpcode, index(romOp, pc));
        for (int f = 0; f < p.fieldCount(); f++) {
            b.connect(index(cmdFields, f), index(index(romFields, pc), f));
        }
        return new Circuit(TOP, List.of(b.build()));
    }
}
