package io.moesim.sim.kernel.dram;

import io.moesim.hw.MemorySpec;
import java.util.HashMap;
import java.util.Map;

/**
 * A device's HBM3, timed by simulating one pseudo-channel command by command and scaling by the
 * number of independent pseudo-channels (PCs per stack × stacks).
 *
 * <p><b>Why scaling one PC is valid</b>: in HBM3 each pseudo-channel has its own banks, data bus
 * and timing state; the two PCs of a channel share only the channel's row and column command
 * buses. A PC issues at most one column command per tCCD_S = 2 tCK, so the two PCs of a channel
 * together need at most one per tCK: the shared bus never binds for the patterns here (row
 * commands are rarer still). Refresh is per PC. With addresses interleaved over PCs at
 * {@link #INTERLEAVE_BYTES}, a pattern spread over the whole device gives every PC the same
 * statistical share, so the device finishes when one PC finishes.
 *
 * <p><b>Steady state</b>: each pattern is simulated once for {@link #profileBursts} bursts per
 * PC; the time of the first N bursts is read off the profile, and longer transfers extrapolate
 * from the rate over the profile's second half (which spans many refresh intervals).
 */
public final class HbmModel {

    /** Bytes of consecutive addresses one PC holds before the next PC takes over (as GPUs hash over channels). */
    public static final int INTERLEAVE_BYTES = 256;
    /** Read requests the controller sees at once, by default (the spec's {@code memory.controller} may say otherwise). */
    public static final int QUEUE_DEPTH = io.moesim.hw.MemoryController.DEFAULTS.readQueue();
    /** Bursts per PC simulated per pattern before extrapolating (65536 bursts ≈ 100 µs, ~25 refresh intervals). */
    public static final int DEFAULT_PROFILE_BURSTS = 1 << 16;

    private final MemorySpec memory;
    private final AddressMapping mapping;
    private final PagePolicy policy;
    private final int profileBursts;
    private final PseudoChannelSim pc;
    private final Map<String, Profile> profiles = new HashMap<>();

    /** The per-PC time of the first N bursts of a pattern, N ≤ the profile length, plus its tail rate. */
    record Profile(long[] completion, DramStats stats, double psPerBurstTail) {
    }

    /** The spec's own controller: its address mapping, queues and refresh mode. */
    public HbmModel(MemorySpec memory) {
        this(memory, memory.controller().addressMapping(), PagePolicy.OPEN, DEFAULT_PROFILE_BURSTS);
    }

    public HbmModel(MemorySpec memory, String mapping, PagePolicy policy, int profileBursts) {
        this.memory = memory;
        int columns = memory.pageSizeB() / memory.accessBytes();
        this.mapping = AddressMapping.parse(mapping, memory.accessBytes(), columns, memory.bankGroups(), memory.banksPerGroup(),
                memory.ranks());
        this.policy = policy;
        this.profileBursts = profileBursts;
        this.pc = new PseudoChannelSim(memory, this.mapping, policy);
    }

    public MemorySpec memory() {
        return memory;
    }

    public int pseudoChannels() {
        return memory.pseudoChannelsPerStack() * memory.stacks();
    }

    /** The pins' peak: PCs × PC width × data rate. */
    public double peakGBps() {
        return pseudoChannels() * memory.pseudoChannelWidthBits() * memory.dataRateGbps() / 8.0;
    }

    /** Times {@code bytes} moved with the given pattern over the whole device. */
    public synchronized Transfer transfer(AccessPattern pattern, long bytes) {
        if (bytes <= 0) {
            return Transfer.NONE;
        }
        int burst = memory.accessBytes();
        long perPc = (bytes + pseudoChannels() - 1) / pseudoChannels();
        long bursts = Math.max(1, (perPc + burst - 1) / burst);
        if (pattern instanceof AccessPattern.Copy) {
            bursts = Math.max(1, bursts / 2); // the profile counts read + write bursts per source burst
        }
        Profile p = profile(pattern);
        long requests = pattern instanceof AccessPattern.Copy ? 2 * bursts : bursts;
        double ps;
        int len = p.completion.length - 1;
        if (requests <= len) {
            ps = p.completion[(int) requests];
        } else {
            ps = p.completion[len] + (requests - len) * p.psPerBurstTail;
        }
        return new Transfer(bytes, ps * 1e-12, p.stats.rowHitRate(), p.stats.refreshShare());
    }

    /** Achieved device bandwidth of a long transfer with this pattern, GB/s. */
    public double sustainedGBps(AccessPattern pattern) {
        Profile p = profile(pattern);
        return memory.accessBytes() * 1000.0 / p.psPerBurstTail * pseudoChannels();
    }

    /** The per-PC statistics of the profile run of a pattern. */
    public DramStats profileStats(AccessPattern pattern) {
        return profile(pattern).stats;
    }

    /** Runs {@code bursts} per PC with the pattern in full (no profile, no extrapolation), for tests. */
    public DramStats simulateFull(AccessPattern pattern, long bursts) {
        return pc.run(source(pattern, bursts));
    }

    /**
     * What one pseudo-channel sees of a pattern: accesses wider than the interleave granule put the
     * same per-PC request stream on every PC (a 14 KB embedding row and a 1 KB one both give 256 B
     * random pieces), so they share one profile run instead of one each.
     */
    private String profileKey(AccessPattern pattern) {
        if (pattern instanceof AccessPattern.Random r) {
            return "random-pc" + perPcBursts(r.bytes());
        }
        if (pattern instanceof AccessPattern.Strided s) {
            int perAccess = perPcBursts(s.bytes());
            return "strided-pc" + perAccess + "-" + perPcStride(s, perAccess);
        }
        return pattern.key();
    }

    // synchronized: the profiles' memo is shared by every caller (transfer, and the engines' sustained rate), and the
    // database's fits ask from several threads
    private synchronized Profile profile(AccessPattern pattern) {
        String key = profileKey(pattern);
        Profile p = profiles.get(key);
        if (p == null) {
            RequestSource src = source(pattern, profileBursts);
            int n = (int) src.size();
            long[] completion = new long[n + 1];
            DramStats st = pc.run(src, n, completion);
            int half = n / 2;
            double tail = (double) (completion[n] - completion[half]) / (n - half);
            p = new Profile(completion, st, tail);
            profiles.put(key, p);
        }
        return p;
    }

    private RequestSource source(AccessPattern pattern, long bursts) {
        int burst = memory.accessBytes();
        long span = perPcCapacityBytes();
        if (pattern instanceof AccessPattern.SequentialRead) {
            return RequestSource.sequential(bursts, burst);
        }
        if (pattern instanceof AccessPattern.Copy) {
            // destination in other banks than the source (one bank-group set further), as an
            // allocator's distinct buffers usually are; blocks of 2 pages between write drains
            long dst = span / 2 + (long) memory.pageSizeB() * memory.bankGroups();
            return RequestSource.copy(Math.max(1, bursts / 2), burst, 2 * memory.pageSizeB() / burst, dst);
        }
        if (pattern instanceof AccessPattern.Random r) {
            int perAccess = perPcBursts(r.bytes());
            return RequestSource.random(Math.max(1, bursts / perAccess), perAccess, burst, span, 0x5EEDL);
        }
        AccessPattern.Strided s = (AccessPattern.Strided) pattern;
        int perAccess = perPcBursts(s.bytes());
        return RequestSource.strided(Math.max(1, bursts / perAccess), perAccess, burst, perPcStride(s, perAccess));
    }

    /** A stride wider than the interleave granule lands every access on a new PC: per PC the stride shrinks by PCs. */
    private long perPcStride(AccessPattern.Strided s, int perAccess) {
        return Math.max((long) perAccess * memory.accessBytes(), s.strideBytes() >= INTERLEAVE_BYTES
                ? Math.max(INTERLEAVE_BYTES, s.strideBytes() / Math.max(1, pseudoChannels())) : s.strideBytes());
    }

    /** Bursts one access puts on one PC: at most the interleave granule's worth. */
    private int perPcBursts(int accessBytes) {
        int burst = memory.accessBytes();
        int piece = Math.min(Math.max(accessBytes, burst), INTERLEAVE_BYTES);
        return Math.max(1, piece / burst);
    }

    private long perPcCapacityBytes() {
        double gb = memory.capacityPerStackGB().orElse(memory.capacityGB() / Math.max(1, memory.stacks()));
        long bytes = (long) (gb * 1e9 / memory.pseudoChannelsPerStack());
        return Long.highestOneBit(Math.max(bytes, 1L << 20));
    }

    public AddressMapping mapping() {
        return mapping;
    }

    public PagePolicy policy() {
        return policy;
    }
}
