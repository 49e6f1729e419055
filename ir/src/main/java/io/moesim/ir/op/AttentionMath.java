package io.moesim.ir.op;

/** Counting of query-key pairs, shared by the attention ops. */
final class AttentionMath {
    private AttentionMath() {
    }

    /**
     * Query-key pairs of one sequence whose last {@code qLen} positions (of {@code kvLen}) are
     * queries. Causal: the query at absolute position p sees keys 0..p, so Σ (p+1); with a sliding
     * window w it sees min(p+1, w). Not causal: each query sees all kvLen keys (or w).
     */
    static long pairs(long qLen, long kvLen, boolean causal, long window) {
        if (!causal) {
            return Math.multiplyExact((long) qLen, (long) (window > 0 ? Math.min(kvLen, window) : kvLen));
        }
        long first = kvLen - qLen + 1; // keys seen by the first query
        long last = kvLen;
        if (window <= 0 || window >= last) {
            return Math.multiplyExact(Math.addExact(first, last), (long) qLen) / 2;
        }
        if (window <= first) {
            return Math.multiplyExact((long) qLen, (long) window);
        }
        // queries seeing first..window-1 keys grow by one, the rest see exactly window keys
        long growing = window - first;
        return Math.addExact(Math.multiplyExact(Math.addExact(first, window - 1), growing) / 2, Math.multiplyExact((qLen - growing), (long) window));
    }

    /** KV-cache entries read per sequence: the past tokens (not the ones computed now), at most the window. */
    static long pastRead(long qLen, long kvLen, long window) {
        long past = kvLen - qLen;
        return window > 0 ? Math.min(past, window) : past;
    }
}
