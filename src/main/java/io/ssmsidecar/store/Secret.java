package io.ssmsidecar.store;

import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.SecretValue;
import java.time.Instant;

/**
 * One resolved secret under its key: the value to deliver (after any JSON-key extraction) and where it came from.
 *
 * @param key           the declared key (file name, env name, HTTP path)
 * @param parameterName the parameter's name as SSM answered it
 * @param value         the delivered value; masks itself in {@code toString()}
 * @param version       the parameter version
 * @param versionId     the Secrets Manager {@code VersionId} for reference-path secrets, else null
 * @param lastModified  when the parameter last changed in SSM
 * @param fetchedAt     when this sidecar last fetched it successfully
 * @param parameter     the parameter as fetched (for the AWS-compatible endpoints)
 */
public record Secret(String key, String parameterName, SecretValue value, long version, String versionId,
                     Instant lastModified, Instant fetchedAt, Parameter parameter) {

    /** The identity used for change detection and ETags: version, plus VersionId where there is one. */
    public String versionTag() {
        return versionId == null ? Long.toString(version) : version + "-" + versionId;
    }

    /**
     * The region whose answer this value is: the region field of the ARN the service answered with (a failover
     * region's while it serves), or null when the answer carried no ARN.
     */
    public String region() {
        String arn = parameter == null ? null : parameter.arn();
        if (arn == null || !arn.startsWith("arn:")) {
            return null;
        }
        String[] fields = arn.split(":", 5);
        return fields.length > 3 && !fields[3].isEmpty() ? fields[3] : null;
    }

    Secret withFetchedAt(Instant at, Parameter answer) {
        return new Secret(key, parameterName, value, version, versionId, lastModified, at, answer);
    }
}
