package io.ssmsidecar.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.UncheckedIOException;

/**
 * The project's one Jackson set-up. Each mapper sits in its own holder class, built on first use: a run with plain
 * parameters, no config file and no bundle never loads jackson-databind, and start-up stays short. The streaming
 * {@link #FACTORY} needs only jackson-core.
 * <p>
 * {@code localssm} keeps its own mapper: it depends on nothing in the project but {@code log}, so it can be lifted
 * out as a stand-alone test endpoint.
 */
public final class Jackson {
    /** For streaming reads and writes (HTTP bodies): jackson-core only, cheap to load. */
    public static final JsonFactory FACTORY = new JsonFactory();

    private Jackson() {
    }

    private static final class Plain {
        static final ObjectMapper MAPPER = new ObjectMapper();
        static final ObjectWriter PRETTY = MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT);
    }

    private static final class Strict {
        static final ObjectMapper MAPPER = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    /** Jackson's defaults: for secret values, Secrets Manager metadata, notifications, policies and bundles. */
    public static ObjectMapper mapper() {
        return Plain.MAPPER;
    }

    /** {@link #mapper()}'s writer with indentation (the {@code json} bundle). */
    public static ObjectWriter prettyWriter() {
        return Plain.PRETTY;
    }

    /**
     * {@code document} as a person reads it and the AWS CLI takes it ({@code file://}): two-space indent, one item a
     * line, {@code "key": value}, and a final newline (IAM policies, task definitions).
     */
    public static String indented(JsonNode document) {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"))
                .withObjectIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return mapper().writer(printer).writeValueAsString(document) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** For files a person writes (the config file): a duplicate key or text after the document is an error. */
    public static ObjectMapper strictMapper() {
        return Strict.MAPPER;
    }
}
