package io.ssmsidecar.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.SecretMetadata;
import java.io.IOException;
import java.time.Instant;
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
        if (p.secretMetadata() != null) {
            json.writeStringField("SourceResult", p.secretMetadata().json());
        }
        Json.writeStringIfPresent(json, "Type", p.type());
        json.writeStringField("Value", p.value().reveal());
        json.writeNumberField("Version", p.version());
        json.writeEndObject();
    }

    /**
     * {@code GetSecretValue}'s response built from the reference parameter: the value is the secret string,
     * the rest comes from {@code SourceResult}, falling back to the parameter's ARN and modification time.
     */
    static byte[] getSecretValueResponse(String secretId, Parameter p) {
        return Json.write(json -> writeSecretValue(json, secretId, p));
    }

    /** One secret as an entry of {@code BatchGetSecretValue}'s {@code SecretValues}: {@code GetSecretValue}'s members. */
    record SecretEntry(String secretId, Parameter parameter) { }

    /** One secret a {@code BatchGetSecretValue} could not answer: an entry of its {@code Errors}. */
    record SecretError(String secretId, String errorCode, String message) { }

    /** {@code BatchGetSecretValue}'s answer: {@code SecretValues} and {@code Errors}, in the order asked. */
    static byte[] batchGetSecretValueResponse(List<SecretEntry> values, List<SecretError> errors) {
        return Json.write(json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("Errors");
            for (SecretError e : errors) {
                json.writeStartObject();
                json.writeStringField("SecretId", e.secretId());
                json.writeStringField("ErrorCode", e.errorCode());
                json.writeStringField("Message", e.message());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeArrayFieldStart("SecretValues");
            for (SecretEntry v : values) {
                writeSecretValue(json, v.secretId(), v.parameter());
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    private static void writeSecretValue(JsonGenerator json, String secretId, Parameter p) throws IOException {
        SecretMetadata meta = metadata(p);
        json.writeStartObject();
        Json.writeStringIfPresent(json, "ARN", meta.arn() != null ? meta.arn() : p.arn());
        json.writeStringField("Name", meta.name() != null ? meta.name() : secretId);
        Json.writeStringIfPresent(json, "VersionId", meta.versionId());
        // A binary secret (sm://) in base64, as Secrets Manager's JSON carries SecretBinary.
        json.writeStringField(p.value().isBinary() ? "SecretBinary" : "SecretString", p.value().reveal());
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
    }

    /** The parameter's Secrets Manager metadata, or metadata with every field absent. */
    static SecretMetadata metadata(Parameter p) {
        return p.secretMetadata() != null ? p.secretMetadata() : NO_METADATA;
    }

    private static final SecretMetadata NO_METADATA = new SecretMetadata(null, null, null, null, List.of(), null);
}
