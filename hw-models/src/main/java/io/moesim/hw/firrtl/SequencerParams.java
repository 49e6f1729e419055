package io.moesim.hw.firrtl;

import java.util.List;

/**
 * A command sequencer: replays {@code rom} in order, each command as {@code opcodeWidth}-bit opcode
 * plus {@code fieldCount} fields of {@code fieldWidth} bits.
 */
public record SequencerParams(List<Command> rom, int opcodeWidth, int fieldCount, int fieldWidth)
        implements BlockParams {

    public static final String BLOCK = "sequencer";

    /** Longest wait a command may ask for; a wider counter buys nothing a schedule needs. */
    public static final int MAX_WAIT = (1 << 24) - 1;

    public SequencerParams {
        rom = List.copyOf(rom);
        BlockParams.checkRange(BLOCK, "rom.size", rom.size(), 1, 65_536);
        BlockParams.checkRange(BLOCK, "opcodeWidth", opcodeWidth, 1, 32);
        BlockParams.checkRange(BLOCK, "fieldCount", fieldCount, 0, 64);
        BlockParams.checkRange(BLOCK, "fieldWidth", fieldWidth, 1, 63);
        for (int i = 0; i < rom.size(); i++) {
            Command c = rom.get(i);
            String at = "rom[" + i + "]";
            BlockParams.checkRange(BLOCK, at + ".opcode", c.opcode(), 0, (1L << opcodeWidth) - 1);
            BlockParams.checkRange(BLOCK, at + ".waitCycles", c.waitCycles(), 0, MAX_WAIT);
            if (c.fields().size() != fieldCount) {
                throw new FirrtlException(BLOCK + "." + at + ".fields", "has " + c.fields().size()
                        + " fields, expected fieldCount " + fieldCount);
            }
            for (int f = 0; f < fieldCount; f++) {
                BlockParams.checkRange(BLOCK, at + ".fields[" + f + "]", c.fields().get(f), 0, (1L << fieldWidth) - 1);
            }
        }
    }

    @Override
    public String block() {
        return BLOCK;
    }
}
