package io.moesim.hw.firrtl;

/** FIRRTL primitive operations: how many expression arguments and integer constants each takes. */
public enum PrimOp {
    ADD("add", 2, 0), SUB("sub", 2, 0), MUL("mul", 2, 0), DIV("div", 2, 0), REM("rem", 2, 0),
    LT("lt", 2, 0), LEQ("leq", 2, 0), GT("gt", 2, 0), GEQ("geq", 2, 0), EQ("eq", 2, 0), NEQ("neq", 2, 0),
    PAD("pad", 1, 1), AS_UINT("asUInt", 1, 0), AS_SINT("asSInt", 1, 0), AS_CLOCK("asClock", 1, 0),
    AS_ASYNC_RESET("asAsyncReset", 1, 0),
    SHL("shl", 1, 1), SHR("shr", 1, 1), DSHL("dshl", 2, 0), DSHR("dshr", 2, 0),
    CVT("cvt", 1, 0), NEG("neg", 1, 0), NOT("not", 1, 0),
    AND("and", 2, 0), OR("or", 2, 0), XOR("xor", 2, 0), ANDR("andr", 1, 0), ORR("orr", 1, 0), XORR("xorr", 1, 0),
    CAT("cat", 2, 0), BITS("bits", 1, 2), HEAD("head", 1, 1), TAIL("tail", 1, 1);

    private final String mnemonic;
    private final int args;
    private final int consts;

    PrimOp(String mnemonic, int args, int consts) {
        this.mnemonic = mnemonic;
        this.args = args;
        this.consts = consts;
    }

    public String mnemonic() {
        return mnemonic;
    }

    public int args() {
        return args;
    }

    public int consts() {
        return consts;
    }
}
