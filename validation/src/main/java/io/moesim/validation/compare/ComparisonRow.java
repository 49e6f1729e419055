package io.moesim.validation.compare;

import io.moesim.validation.trace.Measurement;

/**
 * Predicted beside measured for one row. {@code errorPct} is signed, (predicted − measured) ÷
 * measured × 100, NaN when there is no prediction.
 */
public record ComparisonRow(Measurement measured, String target, Prediction prediction) {

    public double errorPct() {
        return prediction.present() ? (prediction.us() - measured.medianUs()) / measured.medianUs() * 100.0 : Double.NaN;
    }

    public double absErrorPct() {
        return Math.abs(errorPct());
    }

    public boolean predicted() {
        return prediction.present();
    }
}
