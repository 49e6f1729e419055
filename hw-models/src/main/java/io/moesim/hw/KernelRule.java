package io.moesim.hw;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A kernel choice read from a library's or framework's code ({@link GemmTileRule}, {@link MoeTileRule}): a closed set a
 * profile names by id, each rule citing the code it is read from.
 */
interface KernelRule {
    /** The id a profile names the rule by. */
    String id();

    /** Where the rule is read from (the library's or framework's code). */
    String source();

    /** The ids of a set of rules, for messages. */
    static <R extends KernelRule> List<String> ids(R[] rules) {
        return Arrays.stream(rules).map(KernelRule::id).toList();
    }

    /** The rule of a set with this id. */
    static <R extends KernelRule> Optional<R> of(R[] rules, String id) {
        return Arrays.stream(rules).filter(r -> r.id().equals(id)).findFirst();
    }
}
