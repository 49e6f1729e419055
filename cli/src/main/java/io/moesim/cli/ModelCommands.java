package io.moesim.cli;

import io.moesim.ir.io.AtomicFiles;
import io.moesim.ir.MoesimException;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.GraphStats;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelStats;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.MoeConfig;
import io.moesim.ir.text.MoeirParser;
import io.moesim.ir.text.MoeirPrinter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moesim models}, {@code model show}, {@code graph}, {@code check}. */
final class ModelCommands {
    private ModelCommands() {
    }

    @Command(name = "models", mixinStandardHelpOptions = true, description = "List the model zoo.")
    static final class ListModels implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            TextTable t = new TextTable(java.util.List.of("name", "family", "layers", "hidden", "heads", "kv heads", "attention", "experts",
                    "top-k", "shared", "params", "active"));
            for (ModelConfig m : ModelZoo.all()) {
                ModelStats s = ModelStats.of(m);
                MoeConfig moe = m.moe();
                t.row(m.name(), m.family(), m.layers(), m.hidden(), m.attention().heads(), m.attention().kvHeads(), m.attention().kind(),
                        moe == null ? "-" : moe.experts(), moe == null ? "-" : moe.topK(), moe == null ? "-" : moe.sharedExperts(),
                        billions(s.total()), billions(s.active()));
            }
            spec.commandLine().getOut().print(t.render());
            return 0;
        }
    }

    static String billions(long n) {
        return String.format(Locale.ROOT, "%.1fB", n / 1e9);
    }

    @Command(name = "model", mixinStandardHelpOptions = true, description = "Show one model.", subcommands = ShowModel.class)
    static final class ModelGroup extends GroupCommand {
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show a model's dimensions and its total and active parameter counts (computed from its graph).")
    static final class ShowModel implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME|PATH", description = "A zoo model name or alias, or a Hugging Face config.json (or its folder).")
        String name;

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @Override
        public Integer call() {
            ModelConfig m = ModelZoo.resolve(name);
            Map<String, Object> j = describe(m);
            if (json) {
                spec.commandLine().getOut().print(Json.write(j));
            } else {
                StringBuilder sb = new StringBuilder();
                int width = 16; // the longest key, at least 16 (a hybrid model's linear_* keys are longer)
                for (String k : j.keySet()) {
                    width = Math.max(width, k.length());
                }
                for (Map.Entry<String, Object> e : j.entrySet()) {
                    sb.append(String.format(Locale.ROOT, "%-" + width + "s %s%n", e.getKey(), e.getValue()));
                }
                spec.commandLine().getOut().print(sb);
            }
            return 0;
        }
    }

    static Map<String, Object> describe(ModelConfig m) {
        ModelStats s = ModelStats.of(m);
        MoeConfig moe = m.moe();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("name", m.name());
        j.put("family", m.family());
        j.put("layers", m.layers());
        j.put("hidden", m.hidden());
        j.put("vocab", m.vocab());
        j.put("ffn", m.ffn());
        j.put("attention", m.attention().kind().name());
        j.put("heads", m.attention().heads());
        j.put("kv_heads", m.attention().kvHeads());
        j.put("head_dim", m.attention().headDim());
        j.put("experts", moe == null ? 0 : moe.experts());
        j.put("top_k", moe == null ? 0 : moe.topK());
        j.put("expert_ffn", moe == null ? 0 : moe.expertFfn());
        j.put("shared_experts", moe == null ? 0 : moe.sharedExperts());
        int moeLayers = 0;
        for (int i = 0; i < m.layers(); i++) {
            if (moe != null && moe.isMoeLayer(i)) {
                moeLayers++;
            }
        }
        j.put("moe_layers", moeLayers);
        io.moesim.ir.model.LinearAttention la = m.attention().linear();
        if (la != null) {
            // hybrid models only (Qwen3-Next): the Gated DeltaNet layers and the gated attention
            j.put("linear_attention_layers", m.layers() - m.attention().fullAttentionLayers(m.layers()));
            j.put("linear_key_heads", la.keyHeads());
            j.put("linear_value_heads", la.valueHeads());
            j.put("linear_key_dim", la.keyDim());
            j.put("linear_value_dim", la.valueDim());
            j.put("linear_conv_kernel", la.convKernel());
        }
        if (m.attention().outputGate()) {
            j.put("attention_output_gate", true);
        }
        io.moesim.ir.model.MlaDims mla = m.attention().mla();
        if (mla != null && mla.hasIndexer()) {
            // DeepSeek-V3.2's sparse attention
            j.put("index_heads", mla.indexHeads());
            j.put("index_head_dim", mla.indexHeadDim());
            j.put("index_topk", mla.indexTopk());
        }
        j.put("activation", m.activation().name().toLowerCase(Locale.ROOT));
        j.put("weight_dtype", m.weightDtype().text());
        j.put("params_total", s.total());
        j.put("params_active", s.active());
        j.put("params_embedding", s.embedding());
        return j;
    }

    @Command(name = "graph", mixinStandardHelpOptions = true,
            description = {"Print one iteration's graph as .moeir text.",
                "Layers that repeat are one repeat block each, so a 61-layer model stays short."})
    static final class GraphCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        GraphOptions graph;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE.moeir", description = "Write to a file instead of stdout.")
        Path output;

        @Override
        public Integer call() {
            String text = MoeirPrinter.print(GraphGenerator.generate(graph.request()));
            if (output == null) {
                spec.commandLine().getOut().print(text);
            } else {
                AtomicFiles.write(output, text);
            }
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Verify a .moeir file and print a summary: ops, FLOPs, bytes and Op/B per op kind (repeat blocks counted).")
    static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE.moeir", description = "The graph to verify ('-' reads stdin).")
        String file;

        @Override
        public Integer call() {
            String text;
            try {
                text = file.equals("-") ? io.moesim.ir.io.TextFiles.decode("<stdin>", System.in.readAllBytes())
                        : io.moesim.ir.io.TextFiles.read(Path.of(file));
            } catch (IOException e) {
                throw new MoesimException("<stdin>: cannot read: " + e.getMessage());
            }
            Graph g = MoeirParser.parse(text, file.equals("-") ? "<stdin>" : file);
            spec.commandLine().getOut().print(summary(g));
            return 0;
        }
    }

    /** The per-op-kind table of a graph, with totals. */
    static String summary(Graph g) {
        GraphStats s = GraphStats.of(g);
        TextTable t = new TextTable(java.util.List.of("op", "count", "GFLOP", "MB", "weights MB", "KV MB", "Op/B"));
        for (GraphStats.KindStats k : s.byKind()) {
            t.row(k.mnemonic(), k.count(), fmt(k.flops() / 1e9), fmt(k.traffic().total() / 1e6), fmt(k.traffic().weightBytes() / 1e6),
                    fmt(k.traffic().kvBytes() / 1e6), fmt(k.opPerByte()));
        }
        t.row("total", "", fmt(s.flops() / 1e9), fmt(s.bytes() / 1e6), fmt(s.traffic().weightBytes() / 1e6), fmt(s.traffic().kvBytes() / 1e6),
                fmt(s.opPerByte()));
        return "graph @" + g.name() + ": " + g.nodeCount() + " nodes written, verified OK\n"
                + String.format(Locale.ROOT, "parameters: %s total, %s active per token%n", billions(s.params()), billions(s.activeParams()))
                + t.render();
    }

    static String fmt(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
    }
}
