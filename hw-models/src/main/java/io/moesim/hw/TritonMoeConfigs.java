package io.moesim.hw;

import io.moesim.hw.MoeTileRule.Tile;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The Triton fused-MoE configs a framework ships tuned for bf16 experts ({@code frameworks/triton-moe-configs.tsv}, with its
 * source): per GPU, local experts E and expert width N on the GPU, a tile per batch size. vLLM's {@code fused_moe} reads
 * {@code E=<E>,N=<N>,device_name=<GPU>.json} from its configs folder and runs the entry whose batch size is nearest the
 * call's tokens ({@code try_get_optimal_moe_config}: {@code min(keys, key=|key - M|)}, the smaller key on a tie); where no
 * file names the block it runs {@code get_default_config} ({@link MoeTileRule#TRITON_DEFAULT}). Data, not code: one line
 * per (file, batch size), read once.
 */
public final class TritonMoeConfigs {
    static final String RESOURCE = "frameworks/triton-moe-configs.tsv";

    private static final Map<String, TreeMap<Long, Tile>> FILES = load();

    private TritonMoeConfigs() {
    }

    /** Whether the framework ships a tuned config for a bf16 block of {@code experts} local experts, {@code n} wide on the device's GPU. */
    public static boolean ships(String framework, DeviceSpec device, long experts, long n) {
        return FILES.containsKey(key(framework, FrameworkProfiles.baseId(device), experts, n));
    }

    /**
     * The tuned tile the framework runs a bf16 block of {@code experts} local experts, each {@code n} wide on this GPU, on
     * for a call of {@code tokens} tokens on the device (its base id), or empty where it ships no file for the block.
     */
    public static Optional<Tile> tile(String framework, DeviceSpec device, long experts, long n, long tokens) {
        TreeMap<Long, Tile> f = FILES.get(key(framework, FrameworkProfiles.baseId(device), experts, n));
        if (f == null) {
            return Optional.empty();
        }
        // the nearest batch size; on a tie the smaller (Python's min over the file's ascending keys keeps the first)
        Map.Entry<Long, Tile> lo = f.floorEntry(tokens);
        Map.Entry<Long, Tile> hi = f.ceilingEntry(tokens);
        if (lo == null) {
            return Optional.of(hi.getValue());
        }
        if (hi == null || tokens - lo.getKey() <= hi.getKey() - tokens) {
            return Optional.of(lo.getValue());
        }
        return Optional.of(hi.getValue());
    }

    private static String key(String framework, String gpu, long experts, long n) {
        return framework.toLowerCase(Locale.ROOT) + "|" + gpu + "|" + experts + "|" + n;
    }

    private static Map<String, TreeMap<Long, Tile>> load() {
        String text = SpecSources.resourceText(RESOURCE).orElseThrow(() -> new IllegalStateException("missing resource " + RESOURCE));
        Map<String, TreeMap<Long, Tile>> out = new HashMap<>();
        int line = 0;
        for (String l : text.split("\n")) {
            line++;
            if (l.isBlank() || l.startsWith("#")) {
                continue;
            }
            String[] c = l.split("\t");
            try {
                if (c.length < 8) {
                    throw new NumberFormatException("8 columns expected");
                }
                Tile t = new Tile(Integer.parseInt(c[5]), Integer.parseInt(c[7]));
                if (t.blockM() <= 0 || t.blockK() <= 0) {
                    throw new NumberFormatException("block sizes must be > 0");
                }
                out.computeIfAbsent(key(c[0], c[1], Long.parseLong(c[2]), Long.parseLong(c[3])), k -> new TreeMap<>()).put(Long.parseLong(c[4]), t);
            } catch (NumberFormatException e) {
                throw new IllegalStateException(RESOURCE + ":" + line + ": expected framework, gpu, experts, n, batch, block_m, block_n, block_k "
                        + "(tab-separated integers after the first two): " + e.getMessage(), e);
            }
        }
        return Map.copyOf(out);
    }
}
