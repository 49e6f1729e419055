package io.moesim.hw;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The memory controller's policy in front of each pseudo-channel: queues, write draining, refresh
 * mode and the address mapping. These are controller choices, not DRAM figures, so each has one
 * default here, stated with its source; a target may override any of them under
 * {@code memory.controller}.
 *
 * @param readQueue           read requests the scheduler sees at once
 * @param writeQueue          write requests buffered before they must drain
 * @param writeHighWatermark  the controller switches to draining writes when the write queue holds more than this share
 * @param writeLowWatermark   ... and back to reads when it holds less than this share (and reads wait)
 * @param refresh             all-bank (REFab) or per-bank (REFpb) refresh
 * @param refreshPostponeMax  all-bank refreshes the controller may defer while row hits are queued (0: none)
 * @param addressMapping      a named scheme of {@link #MAPPINGS} or an explicit field order
 */
public record MemoryController(int readQueue, int writeQueue, double writeHighWatermark, double writeLowWatermark,
        Refresh refresh, int refreshPostponeMax, String addressMapping) {

    /** How the controller refreshes a pseudo-channel. */
    public enum Refresh {
        /** REFab every tREFI: every bank of the pseudo-channel closed and blocked for tRFC. */
        ALL_BANK,
        /** REFpb every tREFI / banks, round robin: one bank blocked for tRFCpb, the others keep working. */
        PER_BANK;

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Refresh> parse(String s) {
            return Arrays.stream(values()).filter(r -> r.text().equals(s)).findFirst();
        }
    }

    /**
     * Named address mappings (fields most significant first; {@code column/2} is the low digit of
     * the column, 2 bursts, below the bank group):
     * <ul>
     *   <li>{@code bg-interleave-64}: 64 B (two 32 B bursts, one row) per bank group, then the next
     *       bank group, then columns, banks, stack IDs and rows. A 64 B access is one activation and
     *       a sequential stream still alternates bank groups (tCCD_S, not tCCD_L). The default.</li>
     *   <li>{@code bg-interleave-32}: the bank group changes every 32 B burst (moesim before
     *       0.5; the dram-peers reference streams were drawn with it). A 64 B access spans two
     *       bank groups, so two activations.</li>
     *   <li>{@code row-contiguous}: a whole 1 KB row, then the next bank group
     *       ({@code RoBaBgRaCo}-like, as Ramulator's RoBaRaCoCh keeps a row's columns together).</li>
     * </ul>
     */
    public static final List<List<String>> MAPPINGS = List.of(
            List.of("bg-interleave-64", "row:rank:bank:column:bankgroup:column/2"),
            List.of("bg-interleave-32", "row:rank:bank:column:bankgroup"),
            List.of("row-contiguous", "row:bank:bankgroup:rank:column"));

    /**
     * Defaults, each from a public controller model: queues of 32 and write watermarks 0.8 / 0.2
     * are Ramulator 2's generic controller defaults (wr_high_watermark, wr_low_watermark, buffers
     * of 32); all-bank refresh without postponement is what Ramulator 2.1's HBM3 examples
     * (AllBank refresh manager) and DRAMsim3 do by default; bg-interleave-64 keeps a 64 B access in
     * one row as real controllers (and both peers' mappings) do.
     */
    public static final MemoryController DEFAULTS = new MemoryController(32, 32, 0.8, 0.2, Refresh.ALL_BANK, 0, "bg-interleave-64");

    /** The field order of the mapping: a named scheme's, or the text itself. */
    public String mappingFields() {
        return fieldsOf(addressMapping);
    }

    public static String fieldsOf(String mapping) {
        for (List<String> m : MAPPINGS) {
            if (m.get(0).equals(mapping)) {
                return m.get(1);
            }
        }
        return mapping;
    }

    public static List<String> mappingNames() {
        return MAPPINGS.stream().map(m -> m.get(0)).toList();
    }

    /** Write-queue fill (requests) above which writes drain. */
    public int writeHighMark() {
        return Math.max(1, (int) Math.floor(writeHighWatermark * writeQueue));
    }

    /** Write-queue fill (requests) below which reads resume. */
    public int writeLowMark() {
        return (int) Math.ceil(writeLowWatermark * writeQueue);
    }
}
