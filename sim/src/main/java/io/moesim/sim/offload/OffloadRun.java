package io.moesim.sim.offload;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.MemorySpec;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.DType;
import io.moesim.ir.model.ExpertQuant;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.Routing;
import io.moesim.sim.SimulationException;
import io.moesim.sim.Simulator;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.serving.OffloadIterationModel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a serving run's HBM is shared under an offloading budget: every device gets
 * {@link Simulator#MEMORY_UTILIZATION} of its budget; the non-expert weights and the KV cache come
 * first (the KV cache sized to what the batch needs at its longest, max batch × (L_in + L_out),
 * unless given), the routed experts get the rest as a cache, and the ones that do not fit live in the tier.
 *
 * @param kvTokens KV-cache capacity in tokens
 * @param model    the expert cache of the run
 */
public record OffloadRun(OffloadSpec spec, long kvTokens, ExpertOffload model, long offloadedBytes) {

    public static OffloadRun plan(OffloadSpec spec, ModelConfig m, DType dtype, Routing routing, SystemSpec system, long kvTokens, long seed) {
        if (m.moe() == null) {
            throw new SimulationException(0, "offload", m.name() + " is a dense model: there are no experts to offload");
        }
        int devices = system.devices();
        long[] bytes = ExpertOffload.expertBytes(m, dtype);
        long experts = 0;
        for (long b : bytes) {
            experts += b * m.moe().experts();
        }
        double budget = Simulator.MEMORY_UTILIZATION * devices * (double) spec.hbmBytes();
        long weights = ExpertQuant.weightBytes(m, dtype);
        long rest = weights - experts;
        double kvBytes = (double) kvTokens * Simulator.kvBytesPerToken(m, dtype);
        double cache = budget - rest - kvBytes;
        if (cache < 0) {
            throw new SimulationException(0, "offload", String.format(java.util.Locale.ROOT,
                    "an HBM budget of %.1f GB per device (%.1f GB usable on %d devices) does not hold %s's non-expert weights (%.1f GB) and a "
                            + "KV cache of %d tokens (%.1f GB); raise --hbm-budget or lower --max-batch",
                    spec.hbmBytes() / 1e9, budget / 1e9, devices, m.name(), rest / 1e9, kvTokens, kvBytes / 1e9));
        }
        long capacity = (long) Math.min(cache, experts);
        long offloaded = experts - capacity;
        double tierBytes = devices * spec.tier().capacityGB() * 1e9;
        if (offloaded > tierBytes) {
            throw new SimulationException(0, "offload", String.format(java.util.Locale.ROOT,
                    "%.1f GB of experts do not fit the %s tier (%.1f GB over %d devices)", offloaded / 1e9, spec.tier().id(), tierBytes / 1e9, devices));
        }
        double bandwidth = devices * spec.tier().bandwidthGBps() * 1e9;
        long latencyPs = Math.round(spec.tier().latencyUs() * 1e6);
        ExpertOffload.HostCpu cpu = null;
        if (spec.policy() == OffloadSpec.Policy.CPU) {
            if (spec.tier().hostCpuTflops().isEmpty() || spec.tier().hostCpuMemoryGBps().isEmpty()) {
                throw new SimulationException(0, "offload", "--offload-policy cpu: tier " + spec.tier().id()
                        + " gives no host CPU figures (host_cpu_bf16_TFLOPS, host_cpu_memory_GBps); use --offload host or a tier file with them");
            }
            long[] flops = new long[bytes.length];
            java.util.Arrays.fill(flops, 2L * m.activation().matrices() * m.hidden() * m.moe().expertFfn());
            cpu = new ExpertOffload.HostCpu(devices * spec.tier().hostCpuTflops().getAsDouble() * 1e12,
                    devices * spec.tier().hostCpuMemoryGBps().getAsDouble() * 1e9, flops, dtype.bytesFor(m.hidden()));
        }
        ExpertOffload model = new ExpertOffload(spec.policy(), m.layers(), m.moe().experts(), m.moe().topK(), bytes,
                ExpertOffload.popularity(m, routing, seed), capacity, bandwidth, latencyPs, seed, cpu);
        return new OffloadRun(spec, kvTokens, model, offloaded);
    }

    /** The figures a run reports: the cache, the traffic, the stall, and the upper bound beside the simulated throughput. */
    public Map<String, Object> report(OffloadIterationModel it, SimulationResult r) {
        ExpertOffload o = it.offload();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("offload_tier", spec.tier().id());
        m.put("offload_policy", spec.policy().text());
        m.put("hbm_budget_GB", spec.hbmBytes() / 1e9);
        m.put("expert_cache_GB", o.capacityBytes() / 1e9);
        m.put("experts_offloaded_GB", offloadedBytes / 1e9);
        long uses = o.hits() + o.misses();
        m.put("expert_hit_rate", uses == 0 ? 1.0 : (double) o.hits() / uses);
        m.put("experts_fetched_GB", o.fetchedBytes() / 1e9);
        m.put("offload_stall_s", o.stallPs() / 1e12);
        if (spec.policy() == OffloadSpec.Policy.CPU) {
            m.put("experts_on_cpu", o.cpuExperts());
        }
        double boundS = r.simulatedS() - it.slackPs() / 1e12;
        m.put("upper_bound_tokens_per_s", boundS > 0 ? r.outputTokens() / boundS : Double.POSITIVE_INFINITY);
        return m;
    }

    /** The system with HBM large enough for every weight: what the compiler places on under offloading. */
    public static SystemSpec unbounded(SystemSpec s) {
        MemorySpec x = s.device().memory();
        MemorySpec big = new MemorySpec(x.generation(), x.stacks(), 1e6, x.capacityPerStackGB(), java.util.OptionalDouble.empty(),
                x.channelsPerStack(), x.pseudoChannelsPerChannel(), x.ranks(), x.bankGroups(), x.banksPerGroup(), x.pageSizeB(),
                x.burstLength(), x.dataRateGbps(), x.busWidthBitsPerStack(),
                x.hbmBandwidthGBps(), x.timing(), x.controller());
        DeviceSpec d = s.device();
        DeviceSpec dev = new DeviceSpec(d.id(), d.name(), d.origin(), d.processors(), big, d.power(), d.interconnect());
        return new SystemSpec(s.id(), s.name(), s.origin(), dev, s.devicesPerNode(), s.nodes(), s.intraNodeLink(), s.intraNodeTopology(),
                s.interNodeLink(), s.interNodeTopology(), s.hostLink());
    }
}
