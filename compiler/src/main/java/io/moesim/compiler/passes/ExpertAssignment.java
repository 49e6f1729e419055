package io.moesim.compiler.passes;

import java.util.List;

/**
 * The fact expert placement leaves, per MoE layer of the model in program order (repeat
 * iterations unrolled): the expert-parallel rank holding each expert, and the token copies per
 * expert of the whole batch that layer routes (the graph's, or the trace's layer scaled to the batch).
 *
 * @param blockOfLayer which {@link MoeBlock} (index in the layout) each MoE layer instantiates
 */
public record ExpertAssignment(String policy, List<int[]> ranks, List<long[]> tokens, List<Integer> blockOfLayer) {
    public ExpertAssignment {
        ranks = List.copyOf(ranks);
        tokens = List.copyOf(tokens);
        blockOfLayer = List.copyOf(blockOfLayer);
    }

    public int layers() {
        return ranks.size();
    }
}
