package io.moesim.ir.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.graph.Graph;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelZoo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vocabulary's attributes print and parse back exactly: OPT's learned-position table ({@code positional=true}) and the tied
 * LM heads of OPT, GLaM and Grok-1 ({@code tied=true}); an untied model (Mixtral) prints neither.
 */
class VocabularyAttributesRoundTripTest {
    @ParameterizedTest
    @ValueSource(strings = {"OPT-66B", "GLaM", "Grok-1", "Mixtral-8x7B"})
    void vocabularyAttributesRoundTrip(String model) {
        Graph g = GraphGenerator.generate(GraphRequest.decode(ModelZoo.get(model).withLayers(2), 4, 512));
        String text = MoeirPrinter.print(g);
        assertEquals(model.equals("OPT-66B"), text.contains("positional=true"), text);
        assertEquals(!model.equals("Mixtral-8x7B"), text.contains("tied=true"), text);
        Graph back = MoeirParser.parse(text, model + ".moeir");
        assertEquals(g, back);
        assertEquals(text, MoeirPrinter.print(back));
        assertFalse(text.contains("positional=false") || text.contains("tied=false"), "false is never written");
        assertTrue(text.contains("%logits"), text);
    }
}
