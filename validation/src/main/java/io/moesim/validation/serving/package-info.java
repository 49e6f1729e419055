/**
 * Serving-level validation against published end-to-end figures ({@code traces/published/serving}): {@code ServingSet}
 * reads the rows, {@code ServingSplit} fixes the calibration / held-back split by row id, {@code ServingFit} fits a
 * framework's per-iteration engine costs on calibration rows only, and {@code ServingValidation} re-runs every row
 * and reports both splits ({@code ServingReport}).
 */
package io.moesim.validation.serving;
