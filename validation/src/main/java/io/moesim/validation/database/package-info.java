/**
 * The measured kernel database (AIConfigurator's tables, {@code ../shared/data/aiconfigurator}) as validation data:
 * {@code AicConverter} reads the tables, {@code DbTraces} the committed sample, {@code DbModel} predicts a row from
 * kernel pieces, {@code DbFit} fits a framework profile on calibration rows, and {@code DbProtocol} runs the
 * out-of-sample protocol (held-back split, left-out GPU, left-out framework) fixed in code by {@code DbSplit}.
 */
package io.moesim.validation.database;
