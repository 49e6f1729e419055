package io.moesim.validation.compare;

import io.moesim.hw.DeviceSpec;
import io.moesim.validation.trace.Measurement;

/** Predicts the time of a measured op on a target device. */
public interface Predictor {

    Prediction predict(Measurement m, DeviceSpec device);

    /** A short name for reports ("roofline", "kernel"). */
    String name();
}
