package io.ssmsidecar.localssm;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * STS's {@code AssumeRole} over its query protocol: a form-encoded POST ({@code Action=AssumeRole&Version=2011-06-15
 * &RoleArn=...&RoleSessionName=...[&ExternalId=...][&DurationSeconds=...]}) answered with
 * {@code AssumeRoleResponse/AssumeRoleResult/{Credentials, AssumedRoleUser}} XML, or an {@code ErrorResponse}, as
 * botocore's {@code sts} model and the query protocol describe them. The roles and sessions are {@link Identities}'.
 */
final class StsProtocol {
    static final String FORM = "application/x-www-form-urlencoded";
    private static final String NS = "https://sts.amazonaws.com/doc/2011-06-15/";

    /** An answer: HTTP status, XML body, and the error code (null on success). */
    record Answer(int status, String xml, String errorCode, String roleArn) {
    }

    private final Identities identities;

    StsProtocol(Identities identities) {
        this.identities = identities;
    }

    Answer execute(byte[] body, String caller, Instant now, String requestId) {
        Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
        String roleArn = form.get("RoleArn");
        try {
            if (!"AssumeRole".equals(form.get("Action")) || !"2011-06-15".equals(form.get("Version"))) {
                throw new SsmError("InvalidAction", 400, "This endpoint answers Action=AssumeRole, Version=2011-06-15"
                        + " only");
            }
            Integer duration = null;
            if (form.containsKey("DurationSeconds")) {
                try {
                    duration = Integer.valueOf(form.get("DurationSeconds"));
                } catch (NumberFormatException e) {
                    throw new SsmError("ValidationError", 400, "DurationSeconds must be a whole number");
                }
            }
            Identities.Issued issued = identities.assume(roleArn, form.get("RoleSessionName"), form.get("ExternalId"),
                    duration, caller, now);
            Identities.Session s = issued.session();
            String roleId = "AROA" + Integer.toHexString(s.roleArn().hashCode()).toUpperCase(java.util.Locale.ROOT);
            String assumedArn = s.roleArn().replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/"
                    + s.sessionName();
            String xml = "<AssumeRoleResponse xmlns=\"" + NS + "\">\n  <AssumeRoleResult>\n"
                    + "    <Credentials>\n"
                    + "      <AccessKeyId>" + s.accessKeyId() + "</AccessKeyId>\n"
                    + "      <SecretAccessKey>" + issued.secretAccessKey() + "</SecretAccessKey>\n"
                    + "      <SessionToken>" + issued.sessionToken() + "</SessionToken>\n"
                    + "      <Expiration>" + DateTimeFormatter.ISO_INSTANT.format(
                            s.expiration().truncatedTo(ChronoUnit.SECONDS)) + "</Expiration>\n"
                    + "    </Credentials>\n"
                    + "    <AssumedRoleUser>\n"
                    + "      <AssumedRoleId>" + roleId + ":" + escape(s.sessionName()) + "</AssumedRoleId>\n"
                    + "      <Arn>" + escape(assumedArn) + "</Arn>\n"
                    + "    </AssumedRoleUser>\n"
                    + "  </AssumeRoleResult>\n"
                    + "  <ResponseMetadata><RequestId>" + requestId + "</RequestId></ResponseMetadata>\n"
                    + "</AssumeRoleResponse>\n";
            return new Answer(200, xml, null, roleArn);
        } catch (SsmError e) {
            String xml = "<ErrorResponse xmlns=\"" + NS + "\">\n  <Error>\n    <Type>Sender</Type>\n"
                    + "    <Code>" + e.code() + "</Code>\n    <Message>" + escape(e.getMessage()) + "</Message>\n"
                    + "  </Error>\n  <RequestId>" + requestId + "</RequestId>\n</ErrorResponse>\n";
            return new Answer(e.status(), xml, e.code(), roleArn);
        }
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

    private static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
