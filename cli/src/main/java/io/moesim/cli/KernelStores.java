package io.moesim.cli;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.sim.kernel.KernelSimulator;
import io.moesim.sim.kernel.KernelStore;
import java.io.File;
import java.util.Optional;

/**
 * The CLI's persistent kernel-estimate store ({@link KernelStore}): on by default in the user's cache
 * folder, {@code MOESIM_KERNEL_CACHE=DIR} moves it, {@code MOESIM_KERNEL_CACHE=off} turns it off.
 * Keyed by the running jar's size and time, so a rebuilt moesim never reads another build's
 * estimates; off when moesim does not run from a jar (tests, an IDE). Warnings go to stderr.
 */
final class KernelStores {
    private static Optional<KernelStore> store;

    private KernelStores() {
    }

    static synchronized Optional<KernelStore> store() {
        if (store == null) {
            store = Optional.empty();
            try {
                File jar = new File(KernelStores.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                if (jar.isFile()) {
                    String build = jar.length() + "-" + jar.lastModified();
                    store = KernelStore.fromEnvironment(System.getenv(), System.getProperty("user.home"), build,
                            msg -> System.err.println("moesim: warning: " + msg));
                }
            } catch (Exception | LinkageError e) {
                store = Optional.empty();
            }
            KernelStore.installProcessDefault(store.orElse(null));
            // estimates are written in batches: at the end of the command (Main), and here if it is cut short
            store.ifPresent(s -> Runtime.getRuntime().addShutdownHook(new Thread(s::flush, "moesim-kernel-store")));
        }
        return store;
    }

    /** Writes the estimates the command made (a no-op where no store was opened). */
    static synchronized void flush() {
        if (store != null) {
            store.ifPresent(KernelStore::flush);
        }
    }

    /** A kernel cost model whose estimates persist across runs where the store is on. */
    static KernelCostModel costModel() {
        return new KernelCostModel(new KernelSimulator(store().orElse(null)), RooflineCostModel.INSTANCE);
    }

    /**
     * The same, each device run under the framework profile {@code profiles} chooses. The store
     * holds the kernels' own estimates; the profile's per-call costs apply on top, so one store
     * serves every profile.
     */
    static KernelCostModel costModel(java.util.function.Function<io.moesim.hw.DeviceSpec, io.moesim.hw.FrameworkProfile> profiles) {
        return new KernelCostModel(new KernelSimulator(store().orElse(null)), RooflineCostModel.INSTANCE, profiles);
    }
}
