package io.moesim.compiler.passes;

import io.moesim.compiler.CompileOptions.Parallelism;
import java.util.List;
import java.util.Map;

/**
 * The fact parallelisation leaves: the degrees, the section (layer type) of every node of the
 * parallel graph, the device group of every collective it inserted, and the MoE blocks.
 *
 * @param attention    degrees of attention, dense-FFN, embedding and head sections (ep folded into dp)
 * @param stageDevices devices per pipeline stage
 * @param globalTokens tokens of the whole batch (graph input rows before data parallelism)
 */
public record ParallelLayout(Parallelism attention, Parallelism moe, int devices, int stageDevices, long globalTokens,
        Map<String, String> sections, Map<String, DeviceGroup> groups, List<MoeBlock> moeBlocks) {

    public ParallelLayout {
        sections = Map.copyOf(sections);
        groups = Map.copyOf(groups);
        moeBlocks = List.copyOf(moeBlocks);
    }

    public int pp() {
        return attention.pp();
    }

    public String section(String path) {
        return sections.getOrDefault(path, Sections.ATTENTION);
    }

    public MoeBlock moeBlockOf(String path) {
        for (MoeBlock b : moeBlocks) {
            if (path.equals(b.dispatch()) || path.equals(b.a2aDispatch()) || path.equals(b.ffn())
                    || path.equals(b.a2aCombine()) || path.equals(b.combine())) {
                return b;
            }
        }
        return null;
    }
}
