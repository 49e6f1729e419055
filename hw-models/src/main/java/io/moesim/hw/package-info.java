/**
 * Hardware as data: target, link and system specs read from the YAML under {@code targets/},
 * {@code links/} and {@code systems/} (presets, {@code --set} overrides, every problem reported at
 * once in a {@code SpecException}), as immutable records ({@code DeviceSpec},
 * {@code ProcessorSpec}, {@code MemorySpec}, {@code SystemSpec}, ...), with figures that follow
 * from others computed in {@code DerivedFigures}, never stored. Entry points: {@code Targets.load}
 * and {@code Systems.load}. Must not depend on the compiler or the simulator; every datasheet or
 * paper figure in the YAML carries its {@code source:}.
 */
package io.moesim.hw;
