package io.moesim.compiler;

/** What has been established about a program so far; passes require and provide stages. */
public enum Stage {
    VERIFIED,
    ANALYZED,
    FUSED,
    PARALLELIZED,
    EXPERTS_PLACED,
    PROCESSORS_PLACED,
    MEMORY_PLANNED,
    SCHEDULED,
    LOWERED
}
