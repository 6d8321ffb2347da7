package io.ssmsidecar.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssmsidecar.json.Jackson;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Secrets Manager metadata Parameter Store returns in {@code SourceResult} for a
 * {@code /aws/reference/secretsmanager/} name, read once where the answer arrives. {@code json} is the
 * {@code SourceResult} text without {@code secretString}/{@code secretBinary} (Parameter Store copies the whole
 * Secrets Manager answer, value included), to pass on as is; the other fields are null (or empty) when absent.
 * Never holds the secret value, so the generated {@code toString()} is safe.
 *
 * @param json        value-free {@code SourceResult} JSON object text
 * @param arn         the secret's ARN
 * @param name        the secret's name
 * @param versionId   the Secrets Manager version id
 * @param stages      the version's staging labels ({@code AWSCURRENT}, ...)
 * @param createdDate when the version was created
 */
public record SecretMetadata(String json, String arn, String name, String versionId, List<String> stages,
                             Instant createdDate) {
    /** Gson's default date format, as Parameter Store writes {@code createdDate}: "Nov 16, 2022, 8:22:40 AM". */
    private static final DateTimeFormatter GSON_DATE = DateTimeFormatter.ofPattern("MMM d, yyyy, h:mm:ss a", Locale.US);

    public SecretMetadata {
        stages = List.copyOf(stages);
    }

    /**
     * Reads {@code SourceResult}: the fields it knows, in either spelling (Parameter Store writes Secrets Manager's
     * fields in lower camel case). Null for null or empty text and for text that is not a JSON object (then it cannot
     * be checked for a value, and is dropped).
     */
    public static SecretMetadata parse(String sourceResult) {
        if (sourceResult == null || sourceResult.isEmpty()) {
            return null;
        }
        String json;
        ObjectNode object;
        try {
            if (!(Jackson.mapper().readTree(sourceResult) instanceof ObjectNode o)) {
                return null;
            }
            object = o;
            List<String> drop = new ArrayList<>();
            object.fieldNames().forEachRemaining(k -> {
                String lower = k.toLowerCase(Locale.ROOT);
                if (lower.equals("secretstring") || lower.equals("secretbinary")) {
                    drop.add(k);
                }
            });
            object.remove(drop);
            json = Jackson.mapper().writeValueAsString(object);
        } catch (JsonProcessingException e) {
            return null;
        }
        List<String> stages = new ArrayList<>();
        JsonNode stageArray = field(object, "VersionStages", "versionStages");
        if (stageArray != null && stageArray.isArray()) {
            for (JsonNode stage : stageArray) {
                if (!stage.isTextual()) {
                    break;
                }
                stages.add(stage.textValue());
            }
        }
        return new SecretMetadata(json, text(field(object, "ARN", "arn")), text(field(object, "Name", "name")),
                text(field(object, "VersionId", "versionId")), stages,
                instant(field(object, "CreatedDate", "createdDate")));
    }

    /** The later of the two spellings present, as a streaming read of the text would keep. */
    private static JsonNode field(ObjectNode object, String upper, String lower) {
        JsonNode found = null;
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            if (e.getKey().equals(upper) || e.getKey().equals(lower)) {
                found = e.getValue();
            }
        }
        return found;
    }

    private static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.textValue() : null;
    }

    /** Epoch seconds as a number or a numeric string, an ISO-8601 string, or Gson's date format; else null. */
    private static Instant instant(JsonNode node) {
        try {
            if (node == null) {
                return null;
            }
            if (node.isNumber()) {
                return fromSeconds(node.decimalValue());
            }
            if (node.isTextual()) {
                String s = node.textValue();
                if (s.contains(",")) {
                    // JDK 20+ formats with a narrow no-break space before AM/PM; Gson on older JDKs with a space.
                    return LocalDateTime.parse(s.replace('\u202f', ' '), GSON_DATE).toInstant(ZoneOffset.UTC);
                }
                return s.contains("T") ? Instant.parse(s) : fromSeconds(new BigDecimal(s));
            }
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            return null;
        }
        return null;
    }

    private static Instant fromSeconds(BigDecimal seconds) {
        return Instant.ofEpochMilli(seconds.movePointRight(3).longValue());
    }
}
