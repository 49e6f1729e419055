package io.moesim.reports;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Tells what a result file is and reads it. Every failure is a {@link ReportException} whose
 * message is one line: the file name and what is wrong.
 */
public final class ResultFiles {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ResultFiles() {
    }

    public static ResultFile read(Path file) {
        if (!Files.exists(file)) {
            throw new ReportException(file + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new ReportException(file + ": is a folder, not a result file");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return new ResultFile.Sweep(file, SweepCsv.read(file));
        }
        if (name.endsWith(".json")) {
            return readJson(file);
        }
        throw new ReportException(file + ": unknown result file type (expected a simulation result .json, a sweep .csv"
                + " or a Perfetto trace .json)");
    }

    private static ResultFile readJson(Path file) {
        // A trace can be hundreds of MB: look at the top-level keys only, skipping their values.
        Kind kind = sniff(file);
        return switch (kind) {
            case TRACE -> new ResultFile.Trace(file);
            case RESULT -> new ResultFile.Run(file, RunJson.parse(file.toString(), tree(file)));
            case PLAN -> throw new ReportException(file + ": is a hardware plan; the report reads simulation results"
                    + " (moesim simulate --json), sweep CSVs and Perfetto traces");
            case OTHER -> throw new ReportException(file + ": not a moesim result or trace (no 'throughput_tokens_per_s'"
                    + " or 'traceEvents' key at the top level)");
        };
    }

    private enum Kind { RESULT, TRACE, PLAN, OTHER }

    private static Kind sniff(Path file) {
        try (JsonParser p = FACTORY.createParser(file.toFile())) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new ReportException(file + ": empty file");
            }
            if (t != JsonToken.START_OBJECT) {
                throw new ReportException(file + ": not a moesim result (JSON top level is " + describe(t) + ", expected an object)");
            }
            Kind kind = Kind.OTHER;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                if (key.equals("traceEvents")) {
                    return Kind.TRACE;
                }
                if (key.equals("throughput_tokens_per_s")) {
                    kind = Kind.RESULT;
                } else if (key.equals("schema_version") && kind == Kind.OTHER) {
                    kind = Kind.PLAN;
                }
                p.nextToken();
                p.skipChildren();
            }
            if (t != JsonToken.END_OBJECT) {
                throw new ReportException(file + ": invalid JSON (unexpected " + describe(t) + ")");
            }
            if (p.nextToken() != null) {
                throw new ReportException(file + ": invalid JSON (trailing content after the top-level object)");
            }
            return kind;
        } catch (JsonProcessingException e) {
            throw invalid(file, e);
        } catch (IOException e) {
            throw new ReportException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static JsonNode tree(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw invalid(file, e);
        } catch (IOException e) {
            throw new ReportException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static ReportException invalid(Path file, JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        String why = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().lines().findFirst().orElse("");
        return new ReportException(file + ": invalid JSON" + where + ": " + why, e);
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : "'" + t.asString() + "'";
        };
    }
}
