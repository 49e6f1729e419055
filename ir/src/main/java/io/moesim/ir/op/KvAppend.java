package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import java.util.List;

/**
 * Writes new keys and values (or MLA latents) into the KV cache. Operands: one or more
 * {@code [T, w]} tensors with the same T; no result. KV bytes written = T·Σw·sizeof(kv_dtype).
 */
public record KvAppend(DType kvDtype) implements Op {
    public static final String MNEMONIC = "kv_append";

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("kv_dtype", kvDtype);
    }

    static KvAppend fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "kv_dtype");
        return new KvAppend(a.getDType("kv_dtype"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.minArity(MNEMONIC, in, 1);
        // ranks first: dim(0) of a scalar would throw an index error instead of a type error
        for (int i = 0; i < in.size(); i++) {
            Check.rank(MNEMONIC, "operand " + i, in.get(i), 2);
        }
        long rows = in.get(0).shape().dim(0);
        for (int i = 0; i < in.size(); i++) {
            Check.dim(MNEMONIC, "operand " + i + " rows", in.get(i).shape().dim(0), rows);
        }
        return List.of();
    }

    @Override
    public long flops(List<TensorType> in) {
        return 0;
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        long read = 0;
        long elements = 0;
        for (TensorType t : in) {
            read += t.bytes();
            elements += t.elements();
        }
        return new Traffic(0, read, 0, 0, kvDtype.bytesFor(elements));
    }
}
