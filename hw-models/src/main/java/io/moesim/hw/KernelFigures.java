package io.moesim.hw;

import io.moesim.ir.DType;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Figures of a processor that are not on its datasheet but decide how close a real kernel gets
 * to it: each is one mechanism, set from a measurement or fitted by {@code moesim validate
 * --calibrate}, never a per-op factor. All are optional; a kernel model uses its own documented
 * defaults where a spec leaves them out.
 *
 * @param launchOverheadUs   fixed time per kernel call: launch, argument setup, the host-side
 *                           cost a timing loop sees between back-to-back calls
 * @param tileOverheadCycles clocks a CTA (one output tile) spends outside its main loop that no
 *                           other work hides: the first operand stage arriving, the epilogue
 *                           writing the tile; makes short-K tiles less efficient
 * @param matrixEfficiency   fraction of the datasheet MACs per clock the matrix engines sustain in a
 *                           kernel's main loop, by dtype (0 < e ≤ 1); e.g. fp8 on Hopper loses
 *                           issue slots to promoting partial sums and runs into the power limit
 */
public record KernelFigures(OptionalDouble launchOverheadUs, OptionalDouble tileOverheadCycles, Map<DType, Double> matrixEfficiency) {

    public KernelFigures {
        matrixEfficiency = Map.copyOf(matrixEfficiency);
    }

    public static KernelFigures none() {
        return new KernelFigures(OptionalDouble.empty(), OptionalDouble.empty(), Map.of());
    }

    /** The efficiency for a dtype, where the spec gives one. */
    public Optional<Double> matrixEfficiency(DType dtype) {
        return Optional.ofNullable(matrixEfficiency.get(dtype));
    }

    public boolean isEmpty() {
        return launchOverheadUs.isEmpty() && tileOverheadCycles.isEmpty() && matrixEfficiency.isEmpty();
    }
}
