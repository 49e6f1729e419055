package io.moesim.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.ir.MoesimException;
import io.moesim.sim.RunSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads experiment files and checks them; every problem is one line naming the file and the key path
 * ({@link SweepException#at}). What the run keys mean is checked by building each run ({@link RunSpec#fromMap}),
 * so a bad value is refused before anything runs or is written.
 *
 * <pre>
 * experiment: duplex                 # name
 * title: ...                         # the report's title
 * paper: ...                         # the paper reproduced (citation)
 * source: ...                        # where the configurations come from
 * base: {dtype: fp16, framework: ideal, seed: 0}   # run keys every run shares (as a sweep's base)
 * studies:
 *   - name: throughput
 *     title: Throughput, Duplex over H100
 *     metrics: [throughput_tokens_per_s]          # optional; shown per role
 *     setups:
 *       - name: Mixtral-8x7B
 *         base: {model: Mixtral-8x7B}              # run keys this setup's runs share
 *         roles:                                   # each configuration runs once per role, its keys added
 *           gpu: {system: h100x4, placement: opb}
 *           duplex: {system: duplex-x4, placement: coproc}
 *         points: [{input_len: 256, output_len: 256, batch: 32, requests: 32}]   # and/or
 *         axes: {batch: [32, 64, 128]}             # a Cartesian product, crossed with the points
 *     ratios:
 *       - {name: ratio, metric: throughput_tokens_per_s, numerator: duplex, denominator: gpu}
 *       - {name: energy, metric: energy_j_per_token, numerator: duplex, denominator: gpu, saving: true}
 * figures:                            # the paper's figures; every one names its source
 *   - {id: mean, figure: "Duplex / H100, average", paper: 2.07x, value: 2.07, source: "...",
 *      study: throughput, ratio: ratio, aggregate: mean, setups: [Mixtral-8x7B]}
 * analyses:                           # optional: analyses run in-process after the runs, by kind, parameters as given
 *   - {name: utilisation, kind: decode_utilisation, ...}
 * notes:                              # optional: a report's prose, by name (or the name of another experiment sharing its notes)
 *   setup: |
 *     ...
 * </pre>
 */
public final class ExperimentSpecs {
    private static final Set<String> TOP = Set.of("experiment", "title", "paper", "source", "base", "studies", "figures", "analyses",
            "notes");
    private static final Set<String> STUDY = Set.of("name", "title", "metrics", "setups", "ratios");
    private static final Set<String> SETUP = Set.of("name", "base", "roles", "points", "axes");
    private static final Set<String> RATIO = Set.of("name", "metric", "numerator", "denominator", "saving");
    private static final Set<String> FIGURE = Set.of("id", "figure", "paper", "value", "source", "study", "ratio", "aggregate", "setups");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]*");
    /** The built-in experiments' folder on the class path. */
    public static final String BUILT_IN = "experiments/";

    private ExperimentSpecs() {
    }

    /** A built-in experiment's name ({@code duplex}) or a file. */
    public static ExperimentSpec load(String nameOrFile) {
        Source s = source(nameOrFile);
        return parse(s.yaml(), s.file(), s.name());
    }

    /** An experiment file's text, how messages name it, and its default name. */
    private record Source(String yaml, String file, String name) {
    }

    private static Source source(String nameOrFile) {
        if (NAME.matcher(nameOrFile).matches() && !nameOrFile.contains(".")) {
            String res = BUILT_IN + nameOrFile + ".yaml";
            try (InputStream in = ExperimentSpecs.class.getClassLoader().getResourceAsStream(res)) {
                if (in != null) {
                    // named as it is in the repository, so that a message or a report points at the file
                    return new Source(new String(in.readAllBytes(), StandardCharsets.UTF_8), "sweep/src/main/resources/" + res, nameOrFile);
                }
            } catch (IOException e) {
                throw SweepException.at(res, "", "cannot read the built-in experiment: " + e.getMessage());
            }
            if (!Files.exists(Path.of(nameOrFile))) {
                throw SweepException.at(nameOrFile, "", "no such file, and no built-in experiment of that name (built in: " + String.join(", ", builtIns()) + ")");
            }
        }
        Path file = Path.of(nameOrFile);
        return new Source(SweepSpecs.text(file), file.toString(), SweepSpecs.baseName(file));
    }

    /**
     * A report's prose by name: a mapping of name to text, or (where {@code follow}) the name of another experiment, built-in
     * or a file, whose own notes (a mapping) it shares.
     */
    private static Map<String, String> notes(P p, JsonNode n, boolean follow) {
        if (n.isTextual() && follow) {
            Source other;
            try {
                other = source(n.asText());
            } catch (SweepException e) {
                throw SweepException.at(p.file, "notes", "no experiment named " + n.asText() + " (" + e.getMessage() + ")");
            }
            JsonNode root = SweepSpecs.yamlTree(other.yaml(), other.file());
            if (root == null || !root.isObject() || !root.has("notes") || !root.get("notes").isObject()) {
                throw SweepException.at(p.file, "notes", "names " + n.asText() + ", which has no notes of its own (a mapping of name to text)");
            }
            return notes(new P(other.file()), root.get("notes"), false);
        }
        if (!n.isObject()) {
            throw SweepException.at(p.file, "notes", "expected a mapping of name to text, or the name of another experiment whose notes it shares");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw SweepException.at(p.file, "notes." + e.getKey(), "expected text");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** The built-in experiments' names. */
    public static List<String> builtIns() {
        return List.of("duplex", "duplex-quick");
    }

    public static ExperimentSpec read(Path file) {
        return parse(SweepSpecs.text(file), file.toString(), SweepSpecs.baseName(file));
    }

    /** Parses YAML text; {@code file} names it in messages, {@code defaultName} is the name when it gives none. */
    public static ExperimentSpec parse(String yaml, String file, String defaultName) {
        JsonNode root = SweepSpecs.yamlTree(yaml, file);
        P p = new P(file);
        if (root == null || !root.isObject()) {
            throw SweepException.at(file, "", "expected a mapping with experiment, title, paper, source, base, studies and figures");
        }
        p.keys(root, "", TOP);
        String name = root.has("experiment") ? p.name(root.get("experiment"), "experiment") : defaultName;
        String title = p.text(root, "", "title");
        String paper = p.text(root, "", "paper");
        String source = p.text(root, "", "source");
        Map<String, Object> base = root.has("base") ? p.runKeys(root.get("base"), "base", true) : Map.of();

        List<ExperimentSpec.Study> studies = new ArrayList<>();
        JsonNode ss = p.list(root, "", "studies");
        Set<String> studyNames = new HashSet<>();
        for (int i = 0; i < ss.size(); i++) {
            String at = "studies[" + i + "]";
            ExperimentSpec.Study s = study(p, ss.get(i), at, base);
            if (!studyNames.add(s.name())) {
                throw SweepException.at(file, at + ".name", "repeats the study '" + s.name() + "'");
            }
            studies.add(s);
        }

        List<ExperimentSpec.Figure> figures = new ArrayList<>();
        if (root.has("figures")) {
            JsonNode fs = p.list(root, "", "figures");
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < fs.size(); i++) {
                String at = "figures[" + i + "]";
                ExperimentSpec.Figure f = figure(p, fs.get(i), at, studies);
                if (!ids.add(f.id())) {
                    throw SweepException.at(file, at + ".id", "repeats the figure '" + f.id() + "'");
                }
                figures.add(f);
            }
        }

        List<ExperimentSpec.Analysis> analyses = new ArrayList<>();
        if (root.has("analyses")) {
            JsonNode as = p.list(root, "", "analyses");
            Set<String> names = new HashSet<>();
            for (int i = 0; i < as.size(); i++) {
                String at = "analyses[" + i + "]";
                JsonNode a = as.get(i);
                if (!a.isObject()) {
                    throw SweepException.at(file, at, "expected a mapping with name, kind and the analysis's parameters");
                }
                String n = p.name(p.need(a, at, "name"), at + ".name");
                String kind = p.name(p.need(a, at, "kind"), at + ".kind");
                if (!names.add(n)) {
                    throw SweepException.at(file, at + ".name", "repeats the analysis '" + n + "'");
                }
                Map<String, Object> params = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getKey().equals("name") && !e.getKey().equals("kind")) {
                        params.put(e.getKey(), SweepSpecs.value(file, at + "." + e.getKey(), e.getValue()));
                    }
                }
                analyses.add(new ExperimentSpec.Analysis(n, kind, params));
            }
        }
        Map<String, String> notes = root.has("notes") ? notes(p, root.get("notes"), true) : Map.of();
        ExperimentSpec spec = new ExperimentSpec(name, file, title, paper, source, base, studies, figures, analyses, notes);
        // Every run is built once here, so that a bad value is refused (naming its key) before anything runs.
        for (ExperimentSpec.Study s : spec.studies()) {
            for (int si = 0; si < s.setups().size(); si++) {
                ExperimentSpec.Setup st = s.setups().get(si);
                for (int c = 0; c < st.configurations().size(); c++) {
                    for (String role : s.roles()) {
                        checkRun(p, spec, s, si, st, c, role);
                    }
                }
            }
        }
        return spec;
    }

    private static ExperimentSpec.Study study(P p, JsonNode n, String at, Map<String, Object> base) {
        if (!n.isObject()) {
            throw SweepException.at(p.file, at, "expected a mapping with name, title, setups and ratios");
        }
        p.keys(n, at, STUDY);
        String name = p.name(p.need(n, at, "name"), at + ".name");
        String title = p.text(n, at, "title");
        List<String> metrics = new ArrayList<>();
        if (n.has("metrics")) {
            JsonNode m = n.get("metrics");
            if (!m.isArray()) {
                throw SweepException.at(p.file, at + ".metrics", "expected a list of metric names");
            }
            for (int i = 0; i < m.size(); i++) {
                metrics.add(p.name(m.get(i), at + ".metrics[" + i + "]"));
            }
        }
        List<ExperimentSpec.Setup> setups = new ArrayList<>();
        JsonNode ss = p.list(n, at, "setups");
        List<String> roles = null;
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ss.size(); i++) {
            String sat = at + ".setups[" + i + "]";
            ExperimentSpec.Setup s = setup(p, ss.get(i), sat, base);
            if (!names.add(s.name())) {
                throw SweepException.at(p.file, sat + ".name", "repeats the setup '" + s.name() + "'");
            }
            List<String> r = List.copyOf(s.roles().keySet());
            if (roles == null) {
                roles = r;
            } else if (!roles.equals(r)) {
                throw SweepException.at(p.file, sat + ".roles", "has roles " + r + " but " + at + ".setups[0] has " + roles
                        + " (every setup of a study gives the same roles, in the same order)");
            }
            setups.add(s);
        }
        List<ExperimentSpec.Ratio> ratios = new ArrayList<>();
        if (n.has("ratios")) {
            JsonNode rs = p.list(n, at, "ratios");
            Set<String> rn = new HashSet<>();
            for (int i = 0; i < rs.size(); i++) {
                String rat = at + ".ratios[" + i + "]";
                JsonNode r = rs.get(i);
                if (!r.isObject()) {
                    throw SweepException.at(p.file, rat, "expected a mapping with name, metric, numerator and denominator");
                }
                p.keys(r, rat, RATIO);
                String rname = p.name(p.need(r, rat, "name"), rat + ".name");
                if (!rn.add(rname)) {
                    throw SweepException.at(p.file, rat + ".name", "repeats the ratio '" + rname + "'");
                }
                String metric = p.name(p.need(r, rat, "metric"), rat + ".metric");
                String num = p.name(p.need(r, rat, "numerator"), rat + ".numerator");
                String den = p.name(p.need(r, rat, "denominator"), rat + ".denominator");
                for (String[] role : new String[][] {{num, "numerator"}, {den, "denominator"}}) {
                    if (!roles.contains(role[0])) {
                        throw SweepException.at(p.file, rat + "." + role[1], "no role '" + role[0] + "' in this study (roles: " + String.join(", ", roles) + ")");
                    }
                }
                boolean saving = false;
                if (r.has("saving")) {
                    if (!r.get("saving").isBoolean()) {
                        throw SweepException.at(p.file, rat + ".saving", "expected true or false");
                    }
                    saving = r.get("saving").booleanValue();
                }
                ratios.add(new ExperimentSpec.Ratio(rname, metric, num, den, saving));
            }
        }
        if (metrics.isEmpty()) {
            metrics.add(io.moesim.sim.metrics.ResultSchema.THROUGHPUT);
        }
        return new ExperimentSpec.Study(name, title, roles, metrics, setups, ratios);
    }

    private static ExperimentSpec.Setup setup(P p, JsonNode n, String at, Map<String, Object> expBase) {
        if (!n.isObject()) {
            throw SweepException.at(p.file, at, "expected a mapping with name, base, roles and points or axes");
        }
        p.keys(n, at, SETUP);
        String name = p.text(n, at, "name");
        Map<String, Object> base = n.has("base") ? p.runKeys(n.get("base"), at + ".base", false) : Map.of();
        JsonNode rs = n.get("roles");
        if (rs == null || !rs.isObject() || rs.isEmpty()) {
            throw SweepException.at(p.file, at + ".roles", rs == null ? "missing: give each role's run keys (such as gpu: {system: h100x4})"
                    : "expected a mapping of role name to its run keys");
        }
        Map<String, Map<String, Object>> roles = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = rs.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String rat = at + ".roles." + e.getKey();
            if (!NAME.matcher(e.getKey()).matches()) {
                throw SweepException.at(p.file, rat, "bad role name (letters, digits, _ . + -)");
            }
            roles.put(e.getKey(), e.getValue().isNull() ? Map.of() : p.runKeys(e.getValue(), rat, false));
        }
        List<Map<String, Object>> points = new ArrayList<>();
        if (n.has("points")) {
            JsonNode ps = p.list(n, at, "points");
            for (int i = 0; i < ps.size(); i++) {
                points.add(p.runKeys(ps.get(i), at + ".points[" + i + "]", false));
            }
        } else {
            points.add(Map.of());
        }
        List<Map<String, Object>> configs = new ArrayList<>();
        if (n.has("axes")) {
            JsonNode a = n.get("axes");
            if (!a.isObject() || a.isEmpty()) {
                throw SweepException.at(p.file, at + ".axes", "expected a mapping of run key to a list of values");
            }
            Map<String, List<Object>> axes = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = canonical(e.getKey());
                String kat = at + ".axes." + e.getKey();
                List<Object> vs = new ArrayList<>();
                JsonNode v = e.getValue();
                if (v.isArray()) {
                    if (v.isEmpty()) {
                        throw SweepException.at(p.file, kat, "an axis needs at least one value");
                    }
                    for (int i = 0; i < v.size(); i++) {
                        vs.add(SweepSpecs.scalar(p.file, kat + "[" + i + "]", v.get(i)));
                    }
                } else {
                    vs.add(SweepSpecs.scalar(p.file, kat, v));
                }
                if (axes.put(key, vs) != null) {
                    throw SweepException.at(p.file, kat, "given twice");
                }
            }
            SweepSpec product = new SweepSpec("axes", p.file, Map.of(), axes, List.of(), List.of());
            for (Map<String, Object> pt : points) {
                for (SweepPoint sp : PointSet.expand(product)) {
                    Map<String, Object> c = new LinkedHashMap<>(pt);
                    for (Map.Entry<String, Object> e : sp.axes().entrySet()) {
                        if (c.put(e.getKey(), e.getValue()) != null) {
                            throw SweepException.at(p.file, at + ".axes." + e.getKey(), "is also a key of the points; give it in one place");
                        }
                    }
                    configs.add(c);
                }
            }
        } else {
            if (!n.has("points")) {
                throw SweepException.at(p.file, at + ".points", "missing: give points, axes, or both");
            }
            configs.addAll(points);
        }
        // A key in two places of one run would be ambiguous: refuse it.
        for (Map.Entry<String, Map<String, Object>> r : roles.entrySet()) {
            for (String k : r.getValue().keySet()) {
                if (base.containsKey(k)) {
                    throw SweepException.at(p.file, at + ".roles." + r.getKey() + "." + k, "is also in " + at + ".base; give it in one place");
                }
            }
        }
        List<Map<String, Object>> all = new ArrayList<>(List.of(base));
        all.addAll(roles.values());
        for (int i = 0; i < configs.size(); i++) {
            for (String k : configs.get(i).keySet()) {
                for (Map<String, Object> m : all) {
                    if (m.containsKey(k)) {
                        throw SweepException.at(p.file, at + (n.has("points") ? ".points[" + (i % Math.max(1, points.size())) + "]." : ".axes.") + k,
                                "is also in the setup's base or a role; give it in one place");
                    }
                }
            }
        }
        for (Map<String, Object> m : all) {
            for (String k : m.keySet()) {
                if (expBase.containsKey(k)) {
                    throw SweepException.at(p.file, at + "." + k, "is also in the experiment's base; give it in one place");
                }
            }
        }
        for (Map<String, Object> c : configs) {
            for (String k : c.keySet()) {
                if (expBase.containsKey(k)) {
                    throw SweepException.at(p.file, at + ".points." + k, "is also in the experiment's base; give it in one place");
                }
            }
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < configs.size(); i++) {
            if (!seen.add(SweepPoint.idOf(configs.get(i)))) {
                throw SweepException.at(p.file, at, "configuration " + i + " " + configs.get(i) + " repeats an earlier one");
            }
        }
        return new ExperimentSpec.Setup(name, base, roles, configs);
    }

    private static ExperimentSpec.Figure figure(P p, JsonNode n, String at, List<ExperimentSpec.Study> studies) {
        if (!n.isObject()) {
            throw SweepException.at(p.file, at, "expected a mapping with id, figure, paper and source");
        }
        p.keys(n, at, FIGURE);
        String id = p.name(p.need(n, at, "id"), at + ".id");
        String figure = p.text(n, at, "figure");
        String paper = p.text(n, at, "paper");
        if (!n.has("source")) {
            throw SweepException.at(p.file, at + ".source", "missing: every paper figure names its source (paper section, table or figure)");
        }
        String source = p.text(n, at, "source");
        if (source.isBlank()) {
            throw SweepException.at(p.file, at + ".source", "empty: every paper figure names its source");
        }
        double value = Double.NaN;
        if (n.has("value")) {
            if (!n.get("value").isNumber() || !Double.isFinite(n.get("value").doubleValue())) {
                throw SweepException.at(p.file, at + ".value", "expected a finite number (the figure as a number; paper: holds the text)");
            }
            value = n.get("value").doubleValue();
        }
        String study = null;
        String ratio = null;
        ExperimentSpec.Aggregate agg = null;
        List<String> setups = new ArrayList<>();
        if (n.has("study") || n.has("ratio") || n.has("aggregate") || n.has("setups")) {
            study = p.text(n, at, "study");
            ExperimentSpec.Study s = studies.stream().filter(x -> x.name().equals(p.textOf(n, "study"))).findFirst().orElse(null);
            if (s == null) {
                throw SweepException.at(p.file, at + ".study", "no study '" + study + "' (studies: "
                        + String.join(", ", studies.stream().map(ExperimentSpec.Study::name).toList()) + ")");
            }
            ratio = p.text(n, at, "ratio");
            if (s.ratio(ratio) == null) {
                throw SweepException.at(p.file, at + ".ratio", "no ratio '" + ratio + "' in study " + study + " (ratios: "
                        + String.join(", ", s.ratios().stream().map(ExperimentSpec.Ratio::name).toList()) + ")");
            }
            String a = p.text(n, at, "aggregate");
            try {
                agg = ExperimentSpec.Aggregate.valueOf(a.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw SweepException.at(p.file, at + ".aggregate", "unknown '" + a + "' (expected mean, max, min)");
            }
            if (n.has("setups")) {
                JsonNode l = n.get("setups");
                if (!l.isArray() || l.isEmpty()) {
                    throw SweepException.at(p.file, at + ".setups", "expected a non-empty list of setup names");
                }
                for (int i = 0; i < l.size(); i++) {
                    String sn = l.get(i).asText();
                    if (!l.get(i).isTextual() || s.setup(sn) == null) {
                        throw SweepException.at(p.file, at + ".setups[" + i + "]", "no setup '" + sn + "' in study " + study);
                    }
                    setups.add(sn);
                }
            }
        }
        return new ExperimentSpec.Figure(id, figure, paper, value, source, study, ratio, agg, setups);
    }

    private static void checkRun(P p, ExperimentSpec spec, ExperimentSpec.Study s, int si, ExperimentSpec.Setup st, int c, String role) {
        Map<String, Object> keys = new LinkedHashMap<>(spec.base());
        keys.putAll(st.runKeys(c, role));
        String setupAt = "studies[" + spec.studies().indexOf(s) + "].setups[" + si + "]";
        Function<String, String> where = k -> {
            String at;
            if (spec.base().containsKey(k)) {
                at = "base." + k;
            } else if (st.base().containsKey(k)) {
                at = setupAt + ".base." + k;
            } else if (st.roles().get(role).containsKey(k)) {
                at = setupAt + ".roles." + role + "." + k;
            } else {
                at = setupAt + " configuration " + c + " " + k;
            }
            return spec.file() + ": " + at;
        };
        Map<String, Object> plain = new LinkedHashMap<>();
        keys.forEach((k, v) -> {
            if (!k.contains(".")) {
                plain.put(k, v);
            }
        });
        if (!plain.containsKey("model") || !plain.containsKey("system")) {
            throw SweepException.at(spec.file(), setupAt + ".roles." + role, "a run needs a model and a system (in base, the setup's base, a role or the points)");
        }
        try {
            RunSpec.fromMap(plain, where);
        } catch (SweepException e) {
            throw e;
        } catch (MoesimException e) {
            String m = e.getMessage();
            throw new SweepException(m.startsWith(spec.file() + ": ") ? m : spec.file() + ": " + setupAt + ": " + m);
        }
        // names that no run could use: refused here too, naming where they are given
        for (String k : List.of("model", "system")) {
            String v = String.valueOf(plain.get(k));
            if (p.checked.add(k + "=" + v)) {
                try {
                    if (k.equals("model")) {
                        io.moesim.ir.model.ModelZoo.resolve(v);
                    } else {
                        io.moesim.hw.Systems.load(v);
                    }
                } catch (MoesimException e) {
                    String m = e.getMessage().replaceAll("\\s*[\\r\\n]+\\s*", " ");
                    throw new SweepException(where.apply(k) + ": " + m);
                }
            }
        }
    }

    /** The command line's names of a key ({@code in}, {@code out}) as a run's ({@code input_len}, {@code output_len}). */
    static String canonical(String key) {
        return RunSpec.ALIASES.getOrDefault(key, key);
    }

    /** Parsing helpers that know the file. */
    private static final class P {
        final String file;
        /** model=NAME and system=NAME already checked. */
        final Set<String> checked = new HashSet<>();

        P(String file) {
            this.file = file;
        }

        void keys(JsonNode n, String at, Set<String> allowed) {
            for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
                String k = it.next();
                if (!allowed.contains(k)) {
                    throw SweepException.at(file, (at.isEmpty() ? "" : at + ".") + k, "unknown key (expected one of "
                            + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
                }
            }
        }

        JsonNode need(JsonNode n, String at, String key) {
            JsonNode v = n.get(key);
            if (v == null || v.isNull()) {
                throw SweepException.at(file, (at.isEmpty() ? "" : at + ".") + key, "missing");
            }
            return v;
        }

        String textOf(JsonNode n, String key) {
            return n.get(key).asText();
        }

        String text(JsonNode n, String at, String key) {
            JsonNode v = need(n, at, key);
            if (!v.isValueNode()) {
                throw SweepException.at(file, (at.isEmpty() ? "" : at + ".") + key, "expected a string");
            }
            return v.asText();
        }

        String name(JsonNode v, String at) {
            if (!v.isTextual() || !NAME.matcher(v.asText()).matches()) {
                throw SweepException.at(file, at, "expected a name (letters, digits, _ . + -), got " + v);
            }
            return v.asText();
        }

        JsonNode list(JsonNode n, String at, String key) {
            JsonNode v = need(n, at, key);
            if (!v.isArray() || v.isEmpty()) {
                throw SweepException.at(file, (at.isEmpty() ? "" : at + ".") + key, "expected a non-empty list");
            }
            return v;
        }

        /** Run keys: a mapping of key (or spec key path) to a scalar, or to a list of scalars for sets. */
        Map<String, Object> runKeys(JsonNode n, String at, boolean lists) {
            if (!n.isObject()) {
                throw SweepException.at(file, at, "expected a mapping of run keys (such as model, system, batch)");
            }
            Map<String, Object> out = new LinkedHashMap<>();
            Set<String> known = new LinkedHashSet<>(RunSpec.KEYS);
            known.addAll(RunSpec.ALIASES.keySet());
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                String k = e.getKey();
                String kat = at + "." + k;
                if (!k.contains(".") && !known.contains(k)) {
                    List<String> all = new ArrayList<>(known);
                    all.sort(null);
                    throw SweepException.at(file, kat, "unknown key (known: " + String.join(", ", all) + ", or a spec key path such as duplex.logic_pim.tsv_multiplier)");
                }
                if (e.getValue().isArray() && !lists) {
                    throw SweepException.at(file, kat, "expected a single value (lists, such as sets, belong in the experiment's base)");
                }
                Object v = e.getValue().isArray() ? SweepSpecs.value(file, kat, e.getValue()) : SweepSpecs.scalar(file, kat, e.getValue());
                if (out.put(canonical(k), v) != null) {
                    throw SweepException.at(file, kat, "given twice (as " + k + " and " + (k.equals(canonical(k)) ? aliasOf(k) : canonical(k)) + ")");
                }
            }
            return out;
        }

        private static String aliasOf(String k) {
            return RunSpec.ALIASES.entrySet().stream().filter(e -> e.getValue().equals(k)).map(Map.Entry::getKey).findFirst().orElse(k);
        }
    }
}
