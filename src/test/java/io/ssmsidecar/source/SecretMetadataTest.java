package io.ssmsidecar.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SecretMetadataTest {

    @Test
    void parse_readsBothSpellings_andDropsTheValue() {
        SecretMetadata m = SecretMetadata.parse("{\"arn\":\"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf\","
                + "\"name\":\"db\",\"versionId\":\"v1\",\"versionStages\":[\"AWSCURRENT\",\"blue\"],"
                + "\"secretString\":\"TOP-SECRET\",\"SecretBinary\":\"VE9Q\",\"createdDate\":\"Nov 16, 2022, 8:22:40\u202fAM\"}");

        assertThat(m.arn()).endsWith(":secret:db-AbCdEf");
        assertThat(m.name()).isEqualTo("db");
        assertThat(m.versionId()).isEqualTo("v1");
        assertThat(m.stages()).containsExactly("AWSCURRENT", "blue");
        assertThat(m.createdDate()).isEqualTo(Instant.parse("2022-11-16T08:22:40Z"));
        assertThat(m.json()).contains("\"versionId\":\"v1\"").doesNotContain("TOP-SECRET").doesNotContain("VE9Q")
                .doesNotContainIgnoringCase("secretString").doesNotContainIgnoringCase("secretBinary");
        assertThat(m.toString()).doesNotContain("TOP-SECRET");
        assertThat(SecretMetadata.parse("{\"VersionId\":\"v2\",\"VersionStages\":[\"AWSPENDING\"]}"))
                .extracting(SecretMetadata::versionId, SecretMetadata::stages)
                .containsExactly("v2", java.util.List.of("AWSPENDING"));
    }

    @Test
    void parse_toleratesStringDatesAndGarbage() {
        assertThat(SecretMetadata.parse("{\"CreatedDate\":\"2018-05-14T21:47:14.743Z\",\"Extra\":{\"a\":[1]}}").createdDate())
                .isEqualTo(Instant.parse("2018-05-14T21:47:14.743Z"));
        assertThat(SecretMetadata.parse("{\"CreatedDate\":\"1526334434.743\"}").createdDate())
                .isEqualTo(Instant.parse("2018-05-14T21:47:14.743Z"));
        assertThat(SecretMetadata.parse("{\"CreatedDate\":1526334434.743}").createdDate())
                .isEqualTo(Instant.parse("2018-05-14T21:47:14.743Z"));
        assertThat(SecretMetadata.parse("{\"CreatedDate\":\"yesterday\",\"VersionStages\":\"AWSCURRENT\"}"))
                .extracting(SecretMetadata::createdDate, SecretMetadata::stages)
                .containsExactly(null, java.util.List.of());
        assertThat(SecretMetadata.parse("not json")).isNull();
        assertThat(SecretMetadata.parse("[1,2]")).isNull();
        assertThat(SecretMetadata.parse("")).isNull();
        assertThat(SecretMetadata.parse(null)).isNull();
    }
}
