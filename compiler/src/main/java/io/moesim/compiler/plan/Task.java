package io.moesim.compiler.plan;

import io.moesim.ir.TensorType;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Traffic;
import it.unimi.dsi.fastutil.ints.IntImmutableList;
import java.util.List;

/**
 * One unit of work in a hardware plan: an op slice on a processor (or a transfer on a link) of one
 * device, in a stream, after its dependencies. Tasks are numbered 0..n-1 in a topological order
 * (every dependency has a smaller id), so the simulator can execute the list as it is.
 *
 * @param processor   a processor name of the device ("xpu", "logic_pim", "gpu"), or "link" for a transfer
 * @param stream      queue index on that processor: tasks of one stream run in order, streams run concurrently
 * @param linkBytes   bytes this device sends over links (collectives), 0 for compute
 * @param group       devices taking part in a collective (empty for compute)
 * @param layer       layer index in the model (-1 outside the layers: embedding, LM head)
 * @param layerType   "embed", "attention", "moe", "ffn", "head"
 */
public record Task(
        int id,
        String name,
        Op op,
        List<TensorType> inputs,
        int device,
        String processor,
        int stream,
        IntImmutableList deps,
        long flops,
        Traffic traffic,
        String link,
        double linkBytes,
        IntImmutableList group,
        int layer,
        String layerType) {

    public Task {
        inputs = List.copyOf(inputs);
        for (int i = 0; i < deps.size(); i++) {
            if (deps.getInt(i) >= id) {
                throw new IllegalArgumentException("task " + id + " depends on later task " + deps.getInt(i));
            }
        }
    }

    public long bytes() {
        return traffic.total();
    }

    public boolean isTransfer() {
        return link != null;
    }

    public double opPerByte() {
        long b = bytes();
        return b == 0 ? 0 : (double) flops / b;
    }
}
