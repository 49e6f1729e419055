package io.moesim.ir.op;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** Builds an op from its mnemonic and parsed attributes: the parser's table of op definitions. */
public final class OpRegistry {
    private static final Map<String, Function<Attrs, Op>> FACTORIES;

    static {
        Map<String, Function<Attrs, Op>> m = new TreeMap<>();
        m.put(MatMul.MNEMONIC, MatMul::fromAttrs);
        m.put(BatchMatMul.MNEMONIC, BatchMatMul::fromAttrs);
        m.put(GroupedMatMul.MNEMONIC, GroupedMatMul::fromAttrs);
        m.put(ExpertFfn.MNEMONIC, ExpertFfn::fromAttrs);
        m.put(Router.MNEMONIC, Router::fromAttrs);
        m.put(Dispatch.MNEMONIC, Dispatch::fromAttrs);
        m.put(Combine.MNEMONIC, Combine::fromAttrs);
        m.put(Attention.MNEMONIC, Attention::fromAttrs);
        m.put(MlaAttention.MNEMONIC, MlaAttention::fromAttrs);
        m.put(GatedDeltaNet.MNEMONIC, GatedDeltaNet::fromAttrs);
        m.put(LightningIndexer.MNEMONIC, LightningIndexer::fromAttrs);
        for (Norm.Kind k : Norm.Kind.values()) {
            m.put(k.mnemonic(), a -> Norm.fromAttrs(k, a));
        }
        for (Elementwise.Kind k : Elementwise.Kind.values()) {
            m.put(k.mnemonic(), a -> Elementwise.fromAttrs(k, a));
        }
        m.put(Softmax.MNEMONIC, Softmax::fromAttrs);
        m.put(Embedding.MNEMONIC, Embedding::fromAttrs);
        m.put(KvAppend.MNEMONIC, KvAppend::fromAttrs);
        m.put(Split.MNEMONIC, Split::fromAttrs);
        m.put(Concat.MNEMONIC, Concat::fromAttrs);
        m.put(AllReduce.MNEMONIC, AllReduce::fromAttrs);
        m.put(AllGather.MNEMONIC, AllGather::fromAttrs);
        m.put(ReduceScatter.MNEMONIC, ReduceScatter::fromAttrs);
        m.put(AllToAll.MNEMONIC, AllToAll::fromAttrs);
        m.put(Send.MNEMONIC, Send::fromAttrs);
        m.put(Recv.MNEMONIC, Recv::fromAttrs);
        m.put(Repeat.MNEMONIC, Repeat::fromAttrs);
        m.put(Quantize.MNEMONIC, Quantize::fromAttrs);
        FACTORIES = Collections.unmodifiableMap(m);
    }

    private OpRegistry() {
    }

    public static boolean isKnown(String mnemonic) {
        return FACTORIES.containsKey(mnemonic);
    }

    /** All mnemonics, sorted. */
    public static java.util.Set<String> mnemonics() {
        return FACTORIES.keySet();
    }

    /**
     * Creates the op. Throws {@link AttrException} for a bad attribute, and turns a constructor's
     * range check into one too, so the parser can report it at the op's position.
     */
    public static Op create(String mnemonic, Attrs attrs) {
        Function<Attrs, Op> f = FACTORIES.get(mnemonic);
        if (f == null) {
            throw new AttrException(null, "unknown op '" + mnemonic + "'");
        }
        try {
            return f.apply(attrs);
        } catch (IllegalArgumentException e) {
            throw new AttrException(null, e.getMessage());
        }
    }
}
