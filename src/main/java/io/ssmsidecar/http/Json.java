package io.ssmsidecar.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.ssmsidecar.json.Jackson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * Small JSON bodies written with Jackson's streaming generator: no object mapper to build at start-up
 * or on the first request, and field order exactly as written.
 */
final class Json {
    static final String CONTENT_TYPE = "application/json";

    /** Writes one JSON document. */
    interface Body {
        void write(JsonGenerator json) throws IOException;
    }

    private Json() {
    }

    static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = Jackson.FACTORY.createGenerator(out)) {
            body.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code {"__type": code, "message": message}}, the error shape of AWS's JSON APIs and the agent. */
    static byte[] error(String code, String message) {
        return write(json -> {
            json.writeStartObject();
            json.writeStringField("__type", code);
            json.writeStringField("message", message);
            json.writeEndObject();
        });
    }

    /** An AWS JSON-protocol timestamp: epoch seconds as a number, with milliseconds when there are any. */
    static void writeEpochSeconds(JsonGenerator json, String field, Instant instant) throws IOException {
        json.writeFieldName(field);
        json.writeNumber(BigDecimal.valueOf(instant.toEpochMilli(), 3).stripTrailingZeros().toPlainString());
    }

    static void writeStringIfPresent(JsonGenerator json, String field, String value) throws IOException {
        if (value != null) {
            json.writeStringField(field, value);
        }
    }
}
