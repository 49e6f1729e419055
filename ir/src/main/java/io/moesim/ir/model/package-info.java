/**
 * Models and the graphs of one serving iteration: {@code ModelConfig}, the {@code ModelZoo}
 * presets and the Hugging Face {@code config.json} importer, expert routing ({@code Routing},
 * {@code RoutingTrace}) and {@code GraphGenerator}, which builds a prefill, decode or mixed
 * iteration from a {@code GraphRequest}. Dimensions come from published configs; nothing here
 * knows of hardware or placement.
 */
package io.moesim.ir.model;
