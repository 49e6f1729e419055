/**
 * Measurement traces: the {@code Measurement} record, JSON-lines reading and writing, the fixed
 * calibration/test {@code Split}, unit conversion of reported figures, and {@code IrOps}, which
 * maps a measured op to the IR op so FLOPs and bytes come from the IR's own formulas. No
 * prediction and no GPU code here.
 */
package io.moesim.validation.trace;
