/**
 * Predicted against measured: {@code Predictors} (the kernel model, the roofline beside it),
 * per-row and per-op-kind errors ({@code Comparison}, {@code ValidationReport}, MAPE), and
 * calibration of the kernel and link mechanisms on calibration rows only ({@code Calibration},
 * {@code LinkCalibration}). A fit never reads a test row.
 */
package io.moesim.validation.compare;
