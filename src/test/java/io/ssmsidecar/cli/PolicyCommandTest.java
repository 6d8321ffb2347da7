package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.LocalWire;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code policy} in-process: the exact document for each kind of reference, the notes, and every refusal with exit 2. */
class PolicyCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Map<String, String> env = new HashMap<>();

    private int policy(String... args) {
        String[] full = new String[args.length + 1];
        full[0] = "policy";
        System.arraycopy(args, 0, full, 1, args.length);
        out.reset();
        err.reset();
        return Main.run(full, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private JsonNode document() throws Exception {
        return JSON.readTree(out.toString(StandardCharsets.UTF_8));
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyKindOfReference_getsExactlyItsGrant() throws Exception {
        env.put("DB_PASSWORD", "ssm:///prod/db/password:3");
        env.put("DB_BLUE", "ssm:///prod/db/password:blue");
        env.put("LITTLE", "ssm://my.little.secret?optional");
        env.put("API_KEY", "ssm:///aws/reference/secretsmanager/prod/api:AWSPREVIOUS#key");
        env.put("APP", "ssm:///prod/app/*");
        env.put("LEGACY", "ssm://arn:aws:ssm:eu-west-1:111122223333:parameter/legacy/token:2");
        env.put("SIDECAR_ALLOW", "/prod/shared/,/aws/reference/secretsmanager/prod-");
        env.put("AWS_REGION", "us-east-1");

        assertThat(policy("--account", "123456789012", "--kms-key-arn=" + KEY)).as(stderr()).isZero();

        String ssm = "arn:aws:ssm:us-east-1:123456789012:parameter";
        assertThat(document()).isEqualTo(JSON.readTree("""
                {"Version": "2012-10-17", "Statement": [
                  {"Sid": "GetDeclaredParameters", "Effect": "Allow", "Action": "ssm:GetParameters", "Resource": [
                    "%1$s/aws/reference/secretsmanager/prod/api",
                    "%1$s/prod/db/password",
                    "arn:aws:ssm:eu-west-1:111122223333:parameter/legacy/token",
                    "%1$s/my.little.secret"]},
                  {"Sid": "GetDeclaredPaths", "Effect": "Allow", "Action": "ssm:GetParametersByPath",
                   "Resource": "%1$s/prod/app"},
                  {"Sid": "GetParametersBelowDeclaredPaths", "Effect": "Allow", "Action": "ssm:GetParameters",
                   "Resource": "%1$s/prod/app/*"},
                  {"Sid": "GetParametersUnderAllowedPrefixes", "Effect": "Allow", "Action": "ssm:GetParameters",
                   "Resource": ["%1$s/prod/shared/*", "%1$s/aws/reference/secretsmanager/prod-*"]},
                  {"Sid": "GetSecretsReferencedThroughParameterStore", "Effect": "Allow",
                   "Action": "secretsmanager:GetSecretValue", "Resource": [
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/api-??????",
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod-*"]},
                  {"Sid": "DecryptThroughParameterStoreOnly", "Effect": "Allow", "Action": "kms:Decrypt",
                   "Resource": "%2$s", "Condition": {"StringEquals": {"kms:ViaService": [
                    "ssm.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"]}}}
                ]}""".formatted(ssm, KEY)));
        // The key is in us-east-1, so it decrypts only through us-east-1's services; eu-west-1 has no key given.
        assertThat(stderr()).isEqualTo("ssm-sidecar policy: note: no --kms-key-arn in eu-west-1, where references are "
                + "read: kms:Decrypt is not granted there (none is needed for the AWS managed keys aws/ssm and "
                + "aws/secretsmanager); give that region's key with another --kms-key-arn if it uses one.\n");
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("{\n  \"Version\": \"2012-10-17\",").endsWith("}\n");
    }

    @Test
    void smEntriesOfAllow_getSecretValueOnTheirPrefix_notAParameterArn() throws Exception {
        env.put("SIDECAR_ALLOW", "sm://prod/,sm://arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/");
        env.put("AWS_REGION", "us-east-1");

        assertThat(policy("--account", "123456789012")).as(stderr()).isZero();

        JsonNode statements = document().path("Statement");
        assertThat(statements.get(0).path("Action").asText()).isEqualTo("secretsmanager:GetSecretValue");
        assertThat(statements.get(0).path("Resource").toString()).isEqualTo("[\"arn:aws:secretsmanager:us-east-1:"
                + "123456789012:secret:prod/*\",\"arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/*\"]");
        assertThat(document().toString()).doesNotContain("parameter/sm:").doesNotContain("ssm:GetParameters")
                .contains("secretsmanager.eu-west-1.amazonaws.com");
    }

    @Test
    void repeatedKmsKeys_oneStatementPerKeyRegion_throughThatRegionsServices() throws Exception {
        String west = "arn:aws:kms:eu-west-1:210987654321:key/mrk-0123456789abcdef0123456789abcdef";
        env.put("DB", "sm://prod/db");
        env.put("SHARED", "sm://arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/api-Xy12Ab");
        env.put("P", "ssm:///prod/p");
        env.put("AWS_REGION", "us-east-1");

        assertThat(policy("--account", "123456789012", "--kms-key-arn", KEY, "--kms-key-arn=" + west)).as(stderr())
                .isZero();

        JsonNode statements = document().path("Statement");
        JsonNode east = statements.get(statements.size() - 2);
        JsonNode westStatement = statements.get(statements.size() - 1);
        assertThat(east.path("Sid").asText()).isEqualTo("DecryptThroughParameterStoreOnlyUsEast1");
        assertThat(east.path("Resource").asText()).isEqualTo(KEY);
        assertThat(east.at("/Condition/StringEquals/kms:ViaService").toString())
                .isEqualTo("[\"ssm.us-east-1.amazonaws.com\",\"secretsmanager.us-east-1.amazonaws.com\"]");
        assertThat(westStatement.path("Sid").asText()).isEqualTo("DecryptThroughParameterStoreOnlyEuWest1");
        assertThat(westStatement.path("Resource").asText()).isEqualTo(west);
        assertThat(westStatement.at("/Condition/StringEquals/kms:ViaService").toString())
                .isEqualTo("[\"secretsmanager.eu-west-1.amazonaws.com\"]");
        assertThat(stderr()).isEmpty();
    }

    @Test
    void secretPrefix_grantsItsSecrets_theBatch_andListSecrets_whichNamedSecretsDoNotNeed() throws Exception {
        env.put("APP", "sm://prod/app/*?tag=team=pay");
        env.put("AWS_REGION", "us-east-1");

        assertThat(policy("--account", "123456789012", "--kms-key-arn", KEY)).as(stderr()).isZero();

        assertThat(document()).isEqualTo(JSON.readTree("""
                {"Version": "2012-10-17", "Statement": [
                  {"Sid": "GetDeclaredSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                   "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/*"},
                  {"Sid": "BatchGetDeclaredSecrets", "Effect": "Allow", "Action": "secretsmanager:BatchGetSecretValue",
                   "Resource": "*"},
                  {"Sid": "ListSecretsUnderDeclaredPrefixes", "Effect": "Allow", "Action": "secretsmanager:ListSecrets",
                   "Resource": "*"},
                  {"Sid": "DecryptThroughParameterStoreOnly", "Effect": "Allow", "Action": "kms:Decrypt",
                   "Resource": "%s", "Condition": {"StringEquals": {"kms:ViaService": [
                    "secretsmanager.us-east-1.amazonaws.com"]}}}
                ]}""".formatted(KEY)));

        env.remove("APP");
        env.put("A", "sm://a");
        env.put("B", "sm://b");
        assertThat(policy("--account", "123456789012")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("ListSecrets");
    }

    @Test
    void forResourcePolicy_andKmsKeyPolicy_grantTheTaskRole_forEachSecretInAnotherAccount() throws Exception {
        String role = "arn:aws:iam::123456789012:role/my-app-task";
        env.put("SHARED", "sm://arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/api-Xy12Ab");
        env.put("CERT", "sm://arn:aws:secretsmanager:us-west-2:210987654321:secret:shared/cert");
        env.put("OWN", "sm://arn:aws:secretsmanager:us-east-1:123456789012:secret:own-Ab12Cd");
        env.put("DB", "sm://prod/db");
        env.put("AWS_REGION", "us-east-1");

        assertThat(policy("--for", "resource-policy", "--task-role-arn", role)).as(stderr()).isZero();
        assertThat(document()).isEqualTo(JSON.readTree("""
                {"Version": "2012-10-17", "Statement": [
                  {"Sid": "AllowSsmSidecarTaskRoleToReadSecret", "Effect": "Allow",
                   "Principal": {"AWS": "%s"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
                """.formatted(role)));
        assertThat(stderr()).contains("put-resource-policy")
                .contains("  arn:aws:secretsmanager:us-west-2:210987654321:secret:shared/cert-??????\n")
                .contains("  arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/api-Xy12Ab\n")
                .doesNotContain("own-Ab12Cd");

        assertThat(policy("--for=kms-key-policy", "--task-role-arn=" + role)).as(stderr()).isZero();
        assertThat(document()).isEqualTo(JSON.readTree("""
                {"Version": "2012-10-17", "Statement": [
                  {"Sid": "AllowSsmSidecarTaskRoleToDecryptThroughSecretsManager", "Effect": "Allow",
                   "Principal": {"AWS": "%s"}, "Action": "kms:Decrypt", "Resource": "*",
                   "Condition": {"StringEquals": {"kms:ViaService": [
                     "secretsmanager.us-west-2.amazonaws.com", "secretsmanager.eu-west-1.amazonaws.com"]}}}]}
                """.formatted(role)));
        assertThat(stderr()).contains("key policy");

        assertThat(policy("--for", "resource-policy")).isEqualTo(2);
        assertThat(stderr()).contains("--task-role-arn is needed");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(policy("--for", "resource-policy", "--task-role-arn",
                "arn:aws:sts::123456789012:assumed-role/my-app-task/s1")).isEqualTo(2);
        assertThat(stderr()).contains("not an assumed-role session ARN");
        assertThat(policy("--for", "bucket-policy")).isEqualTo(2);
        assertThat(stderr()).contains("--for must be one of task-role, resource-policy, kms-key-policy");
        env.remove("SHARED");
        env.remove("CERT");
        assertThat(policy("--for", "resource-policy", "--task-role-arn", role)).isEqualTo(2);
        assertThat(stderr()).contains("no sm:// reference names a secret ARN in another account than 123456789012");
    }

    @Test
    void policy_makesNoAwsCall_evenWithAnEndpointAndCredentialsAtHand() throws Exception {
        try (LocalSsm ssm = LocalSsm.start()) {
            ssm.put("/prod/db/password", "pw-CANARY-7", "SecureString");
            env.putAll(LocalWire.env(ssm));
            env.put("DB_PASSWORD", "ssm:///prod/db/password");

            assertThat(policy("--account", ssm.accountId())).as(stderr()).isZero();

            assertThat(ssm.counters().total()).isZero();
            assertThat(document().at("/Statement/0/Resource").asText()).isEqualTo(ssm.arnOf("/prod/db/password"));
            assertThat(out.toString(StandardCharsets.UTF_8) + stderr()).doesNotContain("CANARY");
        }
    }

    @Test
    void withoutAKey_decryptIsOnAnyKey_onlyThroughSsm_andStderrSaysSo() throws Exception {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");

        assertThat(policy("--account", "123456789012", "--region", "eu-central-1")).isZero();

        JsonNode decrypt = document().path("Statement").path(1);
        assertThat(decrypt.path("Resource").asText()).isEqualTo("*");
        assertThat(decrypt.at("/Condition/StringEquals/kms:ViaService").toString())
                .isEqualTo("[\"ssm.eu-central-1.amazonaws.com\"]");
        assertThat(document().path("Statement")).hasSize(2);
        assertThat(stderr()).contains("no --kms-key-arn", "\"*\"", "kms:ViaService");
    }

    @Test
    void theRegion_givesThePartition_andTheServiceDomain() throws Exception {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        env.put("API", "ssm:///aws/reference/secretsmanager/prod/api");
        env.put("AWS_DEFAULT_REGION", "cn-north-1");

        assertThat(policy("--account", "123456789012")).as(stderr()).isZero();

        assertThat(document().toString()).contains("arn:aws-cn:ssm:cn-north-1:123456789012:parameter/prod/db/password",
                "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:prod/api-??????",
                "ssm.cn-north-1.amazonaws.com.cn", "secretsmanager.cn-north-1.amazonaws.com.cn")
                .doesNotContain("arn:aws:");
    }

    @Test
    void arnReferencesAlone_needNeitherAccountNorRegion() throws Exception {
        env.put("X", "ssm://arn:aws-us-gov:ssm:us-gov-west-1:111122223333:parameter/x:7");

        assertThat(policy()).as(stderr()).isZero();

        assertThat(document().at("/Statement/0/Resource").asText())
                .isEqualTo("arn:aws-us-gov:ssm:us-gov-west-1:111122223333:parameter/x");
        assertThat(document().at("/Statement/1/Condition/StringEquals/kms:ViaService/0").asText())
                .isEqualTo("ssm.us-gov-west-1.amazonaws.com");
    }

    @Test
    void whatCannotBeWritten_isExit2_namingTheOption_withNothingOnStdout() {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");

        assertThat(policy("--region", "us-east-1")).isEqualTo(2);
        assertThat(stderr()).contains("give --account (12 digits)");
        assertThat(policy("--account", "123456789012")).isEqualTo(2);
        assertThat(stderr()).contains("give --region (or set AWS_REGION)");
        assertThat(policy("--account", "1234", "--region", "useast1")).isEqualTo(2);
        assertThat(stderr()).contains("--account must be a 12-digit AWS account id, got '1234'",
                "--region must look like us-east-1, got 'useast1'");
        assertThat(policy("--account", "123456789012", "--region", "us-east-1",
                "--kms-key-arn", "arn:aws:kms:us-east-1:123456789012:alias/ssm")).isEqualTo(2);
        assertThat(stderr()).contains("an alias ARN does not authorize kms:Decrypt", "alias/ssm");
        assertThat(policy("--account")).isEqualTo(2);
        assertThat(stderr()).contains("--account needs a value");
        assertThat(out.size()).isZero();

        env.put("CN", "ssm://arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x");
        assertThat(policy("--account", "123456789012", "--region", "us-east-1")).isEqualTo(2);
        assertThat(stderr()).contains("is in partition aws-cn", "one policy serves one partition");

        env.put("BAD", "ssm://prod/db");
        assertThat(policy("--account", "123456789012", "--region", "us-east-1")).isEqualTo(2);
        assertThat(stderr()).contains("invalid configuration", "BAD");
        assertThat(out.size()).isZero();
    }

    @Test
    void noReferences_isExit2_andHelpDocumentsTheCommand() {
        assertThat(policy("--account", "123456789012", "--region", "us-east-1")).isEqualTo(2);
        assertThat(stderr()).contains("no secrets declared");

        assertThat(policy("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--kms-key-arn", "--account", "aws iam create-policy");
        out.reset();
        assertThat(Main.run(new String[] {"--help"}, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("  policy ");
    }
}
