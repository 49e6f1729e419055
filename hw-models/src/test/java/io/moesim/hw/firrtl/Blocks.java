package io.moesim.hw.firrtl;

import java.util.List;

/** Small configurations of each block shared by the golden and the tool-flow tests. */
final class Blocks {

    private Blocks() {}

    static MacArrayParams smallMacArray() {
        return new MacArrayParams(2, 2, 8, 20);
    }

    static PimGemmParams smallPimGemm() {
        return new PimGemmParams(2, 32, 8, 20, 8);
    }

    static SequencerParams smallSequencer() {
        return new SequencerParams(List.of(
                new Command(1, List.of(3L, 10L), 0),
                new Command(2, List.of(0L, 255L), 2),
                new Command(7, List.of(15L, 1L), 1)), 3, 2, 8);
    }
}
