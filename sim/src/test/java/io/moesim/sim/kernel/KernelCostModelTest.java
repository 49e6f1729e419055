package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.DeviceSpec;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.AllReduce;
import io.moesim.ir.op.MatMul;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelCostModelTest {

    @Test
    void placesOnCycleLevelFiguresAndMemoises() {
        KernelCostModel m = new KernelCostModel();
        CostModel roof = RooflineCostModel.INSTANCE;
        DeviceSpec d = KernelFixtures.duplex();
        MatMul op = new MatMul(4096, 4096, DType.FP16);
        List<TensorType> in = List.of(TensorType.of(DType.FP16, 4, 4096));
        for (var p : d.processorList()) {
            double s = m.seconds(op, in, d, p);
            assertTrue(s >= roof.seconds(op, in, d, p));
            assertEquals(s, m.seconds(op, in, d, p));
        }
        // a GEMV: Logic-PIM's internal bandwidth beats the xPU
        assertTrue(m.seconds(op, in, d, d.processor("logic_pim").orElseThrow()) < m.seconds(op, in, d, d.primary()));
        assertEquals(2, m.simulator().cache().size());
        assertEquals("kernel", m.name());
    }

    @Test
    void collectivesGoToTheHook() {
        CostModel fixed = new CostModel() {
            @Override
            public double seconds(io.moesim.ir.op.Op op, List<TensorType> inputs, DeviceSpec device, io.moesim.hw.ProcessorSpec p) {
                return 42;
            }

            @Override
            public String name() {
                return "links";
            }
        };
        KernelCostModel m = new KernelCostModel(new KernelSimulator(), fixed);
        DeviceSpec d = KernelFixtures.h100();
        assertEquals(42, m.seconds(new AllReduce(8), List.of(TensorType.of(DType.BF16, 16, 4096)), d, d.primary()));
    }
}
