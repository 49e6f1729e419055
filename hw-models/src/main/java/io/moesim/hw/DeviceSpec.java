package io.moesim.hw;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One device (a GPU, or an xPU with Logic-PIM stacks in one package) as loaded from a target spec.
 *
 * @param id         the target id (the file name without .yaml)
 * @param origin     where it was loaded from (resource path or the user's file)
 * @param processors by name, in the order the spec lists them
 */
public record DeviceSpec(
        String id,
        String name,
        String origin,
        Map<String, ProcessorSpec> processors,
        MemorySpec memory,
        PowerSpec power,
        InterconnectSpec interconnect) {

    public DeviceSpec {
        processors = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(processors));
    }

    /** Processor kinds joined by '+', in spec order: "gpu", "xpu+logic-pim", ... */
    public String kind() {
        return processors.values().stream().map(p -> p.kind().text()).distinct()
                .collect(Collectors.joining("+"));
    }

    /**
     * The processor headline figures refer to: the first gpu or xpu, else the first processor
     * (a PIM-only device).
     */
    public ProcessorSpec primary() {
        return processors.values().stream().filter(p -> !p.kind().isPim()).findFirst()
                .orElseGet(() -> processors.values().iterator().next());
    }

    /** The first PIM processor, if the device has one. */
    public Optional<ProcessorSpec> pimProcessor() {
        return processors.values().stream().filter(p -> p.kind().isPim()).findFirst();
    }

    public List<ProcessorSpec> processorList() {
        return List.copyOf(processors.values());
    }

    public Optional<ProcessorSpec> processor(String name) {
        return Optional.ofNullable(processors.get(name));
    }

    /** This device with its primary processor replaced (same name), e.g. by one with other kernel figures. */
    public DeviceSpec withPrimary(ProcessorSpec q) {
        java.util.Map<String, ProcessorSpec> ps = new java.util.LinkedHashMap<>(processors);
        ps.put(primary().name(), q);
        return new DeviceSpec(id, name, origin, ps, memory, power, interconnect);
    }

    /** This device with its primary processor's serving clock fraction set to {@code fraction} ({@link ProcessorSpec#servingClockFraction}). */
    public DeviceSpec withServingClockFraction(double fraction) {
        return withPrimary(primary().withServingClockFraction(java.util.OptionalDouble.of(fraction)));
    }

    /** This device as a serving engine's continuous load runs it ({@link ProcessorSpec#underServingLoad}, every processor). */
    public DeviceSpec underServingLoad() {
        if (processors.values().stream().allMatch(p -> p.servingClockFraction().isEmpty())) {
            return this;
        }
        java.util.Map<String, ProcessorSpec> ps = new java.util.LinkedHashMap<>();
        processors.forEach((n, p) -> ps.put(n, p.underServingLoad()));
        return new DeviceSpec(id, name, origin, ps, memory, power, interconnect);
    }
}
