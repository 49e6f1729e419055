package io.moesim.validation.database;

import io.moesim.hw.DeviceSpec;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A diagnostic, not a check: each framework's profile fitted on its H100 calibration rows, then every H100 calibration
 * row written with its prediction and the kernel model's pieces (for looking at residuals by shape; calibration rows only).
 * Runs only with -Dmoesim.residuals.out=FILE; -Dmoesim.residuals.all=true writes every row of the framework (both GPUs,
 * both splits, under the same H100 calibration fit) with its GPU and split.
 */
class CalibrationResidualsDump {
    @Test
    void dump() throws Exception {
        String out = System.getProperty("moesim.residuals.out");
        Assumptions.assumeTrue(out != null && !out.isEmpty());
        List<DbRow> all = DbTraces.read(Path.of("../traces/aiconfigurator"));
        DbModel model = new DbModel();
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(Path.of(out)))) {
            w.println("framework\tkind\top\tmeasured_us\tpredicted_us\tpieces\tgpu\tsplit");
            for (String fw : DbProtocol.FRAMEWORKS) {
                List<DbRow> fit = DbProtocol.fitRows(all, "h100", Set.of(fw));
                var p = DbFit.fit(fw, fw, fit, model, DbProtocol::device).profile();
                boolean every = Boolean.getBoolean("moesim.residuals.all");
                for (DbRow r : every ? all.stream().filter(x -> x.framework().equals(fw)).toList() : fit) {
                    DeviceSpec d = DbProtocol.device(r.gpu());
                    double pr = model.predictUs(r, d, p);
                    StringBuilder s = new StringBuilder();
                    List<DbModel.Piece> ps = model.pieces(r, d);
                    if (ps != null) {
                        for (DbModel.Piece x : ps) {
                            s.append(String.format(java.util.Locale.ROOT, "%s:t=%.2f,l=%.2f,c=%.2f,m=%.2f,i=%.0f,us=%.2f,b=%.0f,g=%.0f,e=%d;", x.cls(), x.total() * 1e6,
                                    x.launch() * 1e6, x.compute() * 1e6, x.memory() * 1e6, x.items(), x.seconds(p) * 1e6, x.bytes(), x.kvGroup(), x.engines()));
                        }
                    }
                    w.printf(java.util.Locale.ROOT, "%s\t%s\t%s\t%.3f\t%.3f\t%s\t%s\t%s%n", fw, r.kind(), r.op().text(), r.us(), pr, s, r.gpu(), r.split());
                }
            }
        }
    }
}
