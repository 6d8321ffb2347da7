package io.ssmsidecar.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ssmsidecar.source.Parameter;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The AWS-shaped bodies, field for field as in the SDK service models: {@code GetParameter}'s response
 * (members of {@code Parameter}, nulls left out, timestamps as epoch seconds) and {@code GetSecretValue}'s.
 */
final class AwsJson {
    private AwsJson() {
    }

    /** {@code {"Parameter":{...},"ResultMetadata":{}}} as the Lambda extension answers. */
    static byte[] getParameterResponse(Parameter p) {
        return Json.write(json -> {
            json.writeStartObject();
            json.writeFieldName("Parameter");
            writeParameter(json, p);
            json.writeObjectFieldStart("ResultMetadata");
            json.writeEndObject();
            json.writeEndObject();
        });
    }

    /** SSM's own {@code GetParameter} answer: {@code {"Parameter":{...}}}. */
    static byte[] ssmGetParameterResponse(Parameter p) {
        return Json.write(json -> {
            json.writeStartObject();
            json.writeFieldName("Parameter");
            writeParameter(json, p);
            json.writeEndObject();
        });
    }

    /** SSM's {@code GetParameters} answer: the parameters found and the names asked for that do not exist. */
    static byte[] getParametersResponse(List<Parameter> found, List<String> invalid) {
        return Json.write(json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("InvalidParameters");
            for (String name : invalid) {
                json.writeString(name);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("Parameters");
            for (Parameter p : found) {
                writeParameter(json, p);
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    /** SSM's {@code GetParametersByPath} answer: one page, with {@code NextToken} when more follow. */
    static byte[] getParametersByPathResponse(List<Parameter> page, String nextToken) {
        return Json.write(json -> {
            json.writeStartObject();
            Json.writeStringIfPresent(json, "NextToken", nextToken);
            json.writeArrayFieldStart("Parameters");
            for (Parameter p : page) {
                writeParameter(json, p);
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    /** One {@code Parameter} structure: members of the SDK model only, nulls left out, dates as epoch seconds. */
    private static void writeParameter(JsonGenerator json, Parameter p) throws IOException {
        json.writeStartObject();
        Json.writeStringIfPresent(json, "ARN", p.arn());
        Json.writeStringIfPresent(json, "DataType", p.dataType());
        if (p.lastModified() != null) {
            Json.writeEpochSeconds(json, "LastModifiedDate", p.lastModified());
        }
        json.writeStringField("Name", p.name());
        Json.writeStringIfPresent(json, "Selector", p.selector());
        Json.writeStringIfPresent(json, "SourceResult", p.sourceResult());
        Json.writeStringIfPresent(json, "Type", p.type());
        json.writeStringField("Value", p.value().reveal());
        json.writeNumberField("Version", p.version());
        json.writeEndObject();
    }

    /**
     * {@code GetSecretValue}'s response built from the reference parameter: the value is the secret string,
     * the rest comes from {@code SourceResult}, falling back to the parameter's ARN and modification time.
     */
    static byte[] getSecretValueResponse(String secretId, Parameter p, SecretMetadata meta) {
        return Json.write(json -> {
            json.writeStartObject();
            Json.writeStringIfPresent(json, "ARN", meta.arn() != null ? meta.arn() : p.arn());
            json.writeStringField("Name", meta.name() != null ? meta.name() : secretId);
            Json.writeStringIfPresent(json, "VersionId", meta.versionId());
            json.writeStringField("SecretString", p.value().reveal());
            if (!meta.stages().isEmpty()) {
                json.writeArrayFieldStart("VersionStages");
                for (String stage : meta.stages()) {
                    json.writeString(stage);
                }
                json.writeEndArray();
            }
            Instant created = meta.createdDate() != null ? meta.createdDate() : p.lastModified();
            if (created != null) {
                Json.writeEpochSeconds(json, "CreatedDate", created);
            }
            json.writeEndObject();
        });
    }

    /** The Secrets Manager metadata Parameter Store returns in {@code SourceResult}; absent fields are null. */
    record SecretMetadata(String arn, String name, String versionId, List<String> stages, Instant createdDate) {
        private static final SecretMetadata NONE = new SecretMetadata(null, null, null, List.of(), null);

        /** Reads the fields it knows and skips the rest; unreadable text yields no metadata rather than an error. */
        static SecretMetadata parse(String sourceResult) {
            if (sourceResult == null || sourceResult.isBlank()) {
                return NONE;
            }
            String arn = null;
            String name = null;
            String versionId = null;
            List<String> stages = new ArrayList<>();
            Instant created = null;
            try (JsonParser parser = Json.FACTORY.createParser(sourceResult)) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    return NONE;
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String field = parser.currentName();
                    JsonToken token = parser.nextToken();
                    switch (field) {
                        // Parameter Store writes Secrets Manager's fields in lower camel case; accept both spellings.
                        case "ARN", "arn" -> arn = text(parser, token);
                        case "Name", "name" -> name = text(parser, token);
                        case "VersionId", "versionId" -> versionId = text(parser, token);
                        case "CreatedDate", "createdDate" -> created = instant(parser, token);
                        case "VersionStages", "versionStages" -> {
                            if (token == JsonToken.START_ARRAY) {
                                while (parser.nextToken() == JsonToken.VALUE_STRING) {
                                    stages.add(parser.getText());
                                }
                            } else {
                                parser.skipChildren();
                            }
                        }
                        default -> parser.skipChildren();
                    }
                }
            } catch (IOException e) {
                return NONE;
            }
            return new SecretMetadata(arn, name, versionId, List.copyOf(stages), created);
        }

        private static String text(JsonParser parser, JsonToken token) throws IOException {
            if (token == JsonToken.VALUE_STRING) {
                return parser.getText();
            }
            parser.skipChildren();
            return null;
        }

        /** Epoch seconds as a number or a numeric string, or an ISO-8601 string. */
        private static Instant instant(JsonParser parser, JsonToken token) throws IOException {
            try {
                if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
                    return fromSeconds(parser.getDecimalValue());
                }
                if (token == JsonToken.VALUE_STRING) {
                    String s = parser.getText();
                    if (s.contains(",")) {
                        // Gson's default date format, as Parameter Store writes createdDate: "Nov 16, 2022, 8:22:40 AM".
                        return java.time.LocalDateTime.parse(s.replace('\u202f', ' '), SOURCE_RESULT_DATE)
                                .toInstant(java.time.ZoneOffset.UTC);
                    }
                    return s.contains("T") ? Instant.parse(s) : fromSeconds(new BigDecimal(s));
                }
            } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
                return null;
            }
            parser.skipChildren();
            return null;
        }

        private static final java.time.format.DateTimeFormatter SOURCE_RESULT_DATE =
                java.time.format.DateTimeFormatter.ofPattern("MMM d, yyyy, h:mm:ss a", java.util.Locale.US);

        private static Instant fromSeconds(BigDecimal seconds) {
            return Instant.ofEpochMilli(seconds.movePointRight(3).longValue());
        }
    }
}
