package io.moesim.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.sweep.testing.Specs;
import io.moesim.sweep.testing.SyntheticEvaluatorFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our hand-written Parquet, read back by an independent reader (Spark's, i.e. parquet-mr). */
@Tag("slow")
class ParquetWriterTest {
    @TempDir
    Path dir;

    @Test
    void sparkReadsBackEveryCellAndType() throws IOException {
        // Failed rows give nulls; "y,z" a string that needs quoting in CSV; b a double axis.
        Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(0).replace("sleep_ms: 0", "sleep_ms: 0\n  fail_a: 2"));
        SweepOutcome o = Sweeps.run(new SweepRequest(spec, dir.resolve("out"), SweepRequest.Engine.LOCAL, null, 2,
                new SyntheticEvaluatorFactory(), Map.of()), SweepProgress.NONE);
        ResultTable expected = ResultTable.of(SweepSpecs.read(spec),
                new ArrayList<>(openStore(spec, dir.resolve("out")).values()));

        SparkSession spark = SparkSession.builder().master("local[1]").appName("parquet-check")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            var df = spark.read().parquet(o.parquet().toString());
            assertEquals("struct<index:bigint,id:string,a:bigint,b:double,c:string,throughput:double,latency_ms:double,energy:double,error:string>",
                    df.schema().simpleString());
            List<Row> rows = df.collectAsList();
            assertEquals(64, rows.size());
            for (int i = 0; i < rows.size(); i++) {
                List<Object> want = expected.rows().get(i);
                Row got = rows.get(i);
                for (int c = 0; c < want.size(); c++) {
                    assertEquals(want.get(c), got.isNullAt(c) ? null : got.get(c), "row " + i + " column " + c);
                }
            }
        } finally {
            spark.stop();
        }
    }

    private static Map<Integer, PointResult> openStore(Path spec, Path out) {
        SweepSpec s = SweepSpecs.read(spec);
        try (ResultStore st = ResultStore.open(out, s, 64)) {
            return st.readAll(PointSet.expand(s));
        }
    }

    @Test
    void sameRowsSameBytes() throws IOException {
        Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(0));
        SweepSpec s = SweepSpecs.read(spec);
        Sweeps.run(new SweepRequest(spec, dir.resolve("out"), SweepRequest.Engine.LOCAL, null, 2, new SyntheticEvaluatorFactory(), Map.of()),
                SweepProgress.NONE);
        ResultTable t = ResultTable.of(s, new ArrayList<>(openStore(spec, dir.resolve("out")).values()));
        assertEquals(java.util.Arrays.toString(ParquetWriter.write(t)), java.util.Arrays.toString(Files.readAllBytes(dir.resolve("out").resolve(Sweeps.PARQUET))));
    }
}
