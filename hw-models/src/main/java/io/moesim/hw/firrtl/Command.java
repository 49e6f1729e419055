package io.moesim.hw.firrtl;

import java.util.List;

/** One sequencer ROM word: an opcode, its fields, and idle cycles to wait after issuing it. */
public record Command(int opcode, List<Long> fields, int waitCycles) {
    public Command {
        fields = List.copyOf(fields);
    }
}
