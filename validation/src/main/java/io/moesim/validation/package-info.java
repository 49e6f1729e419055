/**
 * The validation front door: {@code Validation.run} reads measurement traces, predicts each row
 * with the simulator's models and compares, with {@code ValidationOptions} choosing splits and
 * calibration. Depends on the simulator, never on reports, sweep or the CLI, and never prints.
 */
package io.moesim.validation;
