package io.ssmsidecar.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.ssmsidecar.reference.Reference.Kind;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ReferenceParserTest {

    private static final String ARN = "arn:aws:ssm:us-east-1:123456789012:parameter/prod/x";
    private static final String SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/db-AbC123";
    private static final String UUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

    static Stream<Arguments> validReferences() {
        return Stream.of(
                // value, kind, name, selector, jsonKey, optional
                arguments("ssm://my.little.secret", Kind.PARAMETER, "my.little.secret", null, null, false),
                arguments("ssm:///prod/db/password", Kind.PARAMETER, "/prod/db/password", null, null, false),
                arguments("ssm://a", Kind.PARAMETER, "a", null, null, false),
                arguments("ssm:///a", Kind.PARAMETER, "/a", null, null, false),
                arguments("ssm://My_Param-1.x", Kind.PARAMETER, "My_Param-1.x", null, null, false),
                arguments("ssm:///prod/db/password:3", Kind.PARAMETER, "/prod/db/password", "3", null, false),
                arguments("ssm:///prod/db/password:123456789012345678", Kind.PARAMETER, "/prod/db/password",
                        "123456789012345678", null, false),
                arguments("ssm:///prod/db/password:blue", Kind.PARAMETER, "/prod/db/password", "blue", null, false),
                arguments("ssm:///prod/db/password:Blue_1.x-y", Kind.PARAMETER, "/prod/db/password", "Blue_1.x-y",
                        null, false),
                arguments("ssm:///prod/db/password:_aws", Kind.PARAMETER, "/prod/db/password", "_aws", null, false),
                arguments("ssm:///prod/db/password:x" + "y".repeat(99), Kind.PARAMETER, "/prod/db/password",
                        "x" + "y".repeat(99), null, false),
                arguments("ssm:///prod/db/password?optional", Kind.PARAMETER, "/prod/db/password", null, null, true),
                arguments("ssm:///prod/db/password:3?optional", Kind.PARAMETER, "/prod/db/password", "3", null, true),
                arguments("ssm:///prod/db#password", Kind.PARAMETER, "/prod/db", null, "password", false),
                arguments("ssm:///prod/db:blue?optional#password", Kind.PARAMETER, "/prod/db", "blue", "password", true),
                arguments("ssm:///prod/db#a.b", Kind.PARAMETER, "/prod/db", null, "a.b", false),
                arguments("ssm:///prod/db#a#b", Kind.PARAMETER, "/prod/db", null, "a#b", false),
                arguments("ssm:///prod/db#db password", Kind.PARAMETER, "/prod/db", null, "db password", false),
                arguments("ssm:///prod/db#?", Kind.PARAMETER, "/prod/db", null, "?", false),
                arguments("ssm:///prod/db#k?optional=1", Kind.PARAMETER, "/prod/db", null, "k?optional=1", false),
                arguments("ssm:///prod/db#ключ", Kind.PARAMETER, "/prod/db", null, "ключ", false),
                arguments("ssm:///aws/reference/secretsmanager/prod/db", Kind.PARAMETER,
                        "/aws/reference/secretsmanager/prod/db", null, null, false),
                arguments("ssm:///aws/reference/secretsmanager/a+b=c.d@e-f_g", Kind.PARAMETER,
                        "/aws/reference/secretsmanager/a+b=c.d@e-f_g", null, null, false),
                arguments("ssm:///aws/reference/secretsmanager/prod/db:AWSPREVIOUS?optional#password", Kind.PARAMETER,
                        "/aws/reference/secretsmanager/prod/db", "AWSPREVIOUS", "password", true),
                arguments("ssm:///aws/reference/secretsmanager/prod/db:AWSCURRENT", Kind.PARAMETER,
                        "/aws/reference/secretsmanager/prod/db", "AWSCURRENT", null, false),
                arguments("ssm:///aws/service/global-infrastructure/regions", Kind.PARAMETER,
                        "/aws/service/global-infrastructure/regions", null, null, false),
                arguments("ssm://" + ARN, Kind.PARAMETER, ARN, null, null, false),
                arguments("ssm://" + ARN + ":7?optional#k", Kind.PARAMETER, ARN, "7", "k", true),
                arguments("ssm://" + ARN + ":blue", Kind.PARAMETER, ARN, "blue", null, false),
                arguments("ssm://arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x", Kind.PARAMETER,
                        "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x", null, null, false),
                arguments("ssm://arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/a/b", Kind.PARAMETER,
                        "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/a/b", null, null, false),
                arguments("ssm:///prod/app/*", Kind.PATH, "/prod/app", null, null, false),
                arguments("ssm:///prod/*?optional", Kind.PATH, "/prod", null, null, true),
                arguments("ssm:///aws/reference/*", Kind.PATH, "/aws/reference", null, null, false),
                arguments("ssm:///" + "a/".repeat(14) + "b", Kind.PARAMETER, "/" + "a/".repeat(14) + "b", null, null,
                        false),
                arguments("ssm:///" + "n".repeat(2047), Kind.PARAMETER, "/" + "n".repeat(2047), null, null, false),
                arguments("sm://prod/db", Kind.SECRET, "prod/db", null, null, false),
                arguments("sm://a+b=c.d@e-f_g", Kind.SECRET, "a+b=c.d@e-f_g", null, null, false),
                arguments("sm://rds!db-0123abcd-4567-89ef-0123-456789abcdef#password", Kind.SECRET,
                        "rds!db-0123abcd-4567-89ef-0123-456789abcdef", null, "password", false),
                arguments("sm://prod/db:AWSPREVIOUS?optional#password", Kind.SECRET, "prod/db", "AWSPREVIOUS",
                        "password", true),
                arguments("sm://prod/db:" + UUID, Kind.SECRET, "prod/db", UUID, null, false),
                arguments("sm://" + SECRET_ARN, Kind.SECRET, SECRET_ARN, null, null, false),
                arguments("sm://" + SECRET_ARN + ":AWSCURRENT#k", Kind.SECRET, SECRET_ARN, "AWSCURRENT", "k", false),
                arguments("sm://" + SECRET_ARN + ":" + UUID + "?optional", Kind.SECRET, SECRET_ARN, UUID, null, true),
                arguments("sm://arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x-AbCdEf", Kind.SECRET,
                        "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x-AbCdEf", null, null, false),
                arguments("sm://prod/app/*", Kind.SECRET_PREFIX, "prod/app", null, null, false),
                arguments("sm://prod/*?optional", Kind.SECRET_PREFIX, "prod", null, null, true));
    }

    @Test
    void parse_secretPrefix_withTagFilters_keepsThemInOrder_andFormatsBack() throws ReferenceException {
        String value = "sm://prod/app/*?optional&tag=team=pay ments&tag=aws:cloudformation:stack-name&tag=env=";

        Reference ref = ReferenceParser.parse("APP", value);

        assertThat(ref.kind()).isEqualTo(Kind.SECRET_PREFIX);
        assertThat(ref.name()).isEqualTo("prod/app");
        assertThat(ref.optional()).isTrue();
        assertThat(ref.tags()).containsExactly(new Reference.Tag("team", "pay ments"),
                new Reference.Tag("aws:cloudformation:stack-name", null), new Reference.Tag("env", ""));
        assertThat(ref.format()).isEqualTo(value);
        assertThat(ref.isPrefix()).isTrue();
        assertThat(ref.prefixLabel()).isEqualTo(value);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validReferences")
    void parse_accepts_validReference(String value, Kind kind, String name, String selector, String jsonKey,
                                      boolean optional) throws ReferenceException {
        Reference ref = ReferenceParser.parse("MY_KEY", value);

        assertThat(ref).isEqualTo(new Reference("MY_KEY", kind, name, selector, jsonKey, optional, value));
        assertThat(ref.format()).isEqualTo(value);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            ssm://                                      | no parameter name after ssm://
            ssm://?optional                             | no parameter name after ssm://
            ssm://#key                                  | no parameter name after ssm://
            ssm:///                                     | must not end with '/'
            ssm:///prod/db/                             | must not end with '/'
            ssm:///prod//db                             | empty level ('//')
            ssm://prod/db/password                      | a name with '/' must start with '/': write ssm:///prod/db/password
            ssm:///prod/db password                     | character ' ' at position 9
            ssm:///prod/db%2Fpassword                   | no percent-encoding
            ssm:///prod/db\\x                           | character '\\' at position 9
            ssm:///prod/ü                               | character '\\u00fc' at position 7
            ssm:///prod/db:                             | nothing follows ':'
            ssm:///prod/db:3:4                          | only one selector
            ssm:///prod/db:blue:3                       | only one selector
            ssm:///prod/db:03                           | positive number without leading zeros
            ssm:///prod/db:0                            | positive number without leading zeros
            ssm:///prod/db:1234567890123456789          | is too large
            ssm:///prod/db:3a                           | starts with a digit
            ssm:///prod/db:awsblue                      | starts with 'aws' or 'ssm'
            ssm:///prod/db:SSM1                         | starts with 'aws' or 'ssm'
            ssm:///prod/db:AWSPREVIOUS                  | starts with 'aws' or 'ssm'
            ssm:///prod/db:bl ue                        | contains ' '
            ssm:///prod/db:bl/ue                        | contains '/'
            ssm:///prod/db#                             | nothing follows '#'
            ssm:///prod/db#password?optional            | write ?optional before #, as in ssm:///prod/db?optional#password
            ssm:///prod/db?                             | nothing follows '?'; allowed options: optional
            ssm:///prod/db?required                     | unknown option required after '?'; allowed options: optional
            ssm:///prod/db?optional&x&y                 | unknown options x, y
            ssm:///prod/db?optional&optional            | option 'optional' is given twice
            ssm:///prod/db?optional&                    | unknown option (empty)
            ssm:///prod/db?Optional                     | unknown option Optional
            ssm:///prod/app/*#key                       | a path reference (/*) takes no JSON key
            ssm:///prod/app/*:3                         | a path reference (/*) takes no selector
            ssm:///prod/app:3/*                         | takes no selector
            ssm:///*                                    | the whole parameter store
            ssm://prod/app/*                            | a path must start with '/': write ssm:///prod/app/*
            ssm:///prod/*/app                           | '*' may only end a path reference
            ssm:///prod/app*                            | '*' may only end a path reference
            ssm:///prod/**/*                            | '*' may only end a path reference
            ssm:///prod//app/*                          | empty level ('//')
            ssm:///aws/reference/secretsmanager/*       | Secrets Manager references cannot be listed by path
            ssm:///aws/reference/secretsmanager/prod/*  | Secrets Manager references cannot be listed by path
            ssm:///aws/reference/secretsmanager/        | no secret id after /aws/reference/secretsmanager/
            ssm:///aws/reference/secretsmanager/a b     | of the secret id is not allowed
            ssm:///aws/reference/secretsmanager//x      | must not start or end with '/'
            ssm:///aws/reference/secretsmanager/a//b    | empty level
            ssm:///aws/reference/secretsmanager/a/      | must not start or end with '/'
            ssm:///aws/reference/secretsmanager/a:b c   | Secrets Manager stage "b c" contains ' '
            ssm://arn:aws:ssm:us-east-1:123456789012    | an ARN has the form
            ssm://arn:aws:ssm:us-east-1:123456789012:parameter/x:1:2 | only one selector
            ssm://arn:aws-iso:ssm:us-east-1:123456789012:parameter/x | partition must be one of aws, aws-cn, aws-us-gov, got aws-iso
            ssm://arn:aws:sns:us-east-1:123456789012:parameter/x     | service must be 'ssm', got sns
            ssm://arn:aws:secretsmanager:us-east-1:123456789012:secret:x | read a Secrets Manager secret as sm://arn:aws:secretsmanager:us-east-1:123456789012:secret:x
            ssm://arn:aws:ssm:useast1:123456789012:parameter/x       | region must look like us-east-1, got useast1
            ssm://arn:aws:ssm::123456789012:parameter/x              | region must look like us-east-1
            ssm://arn:aws-cn:ssm:us-east-1:123456789012:parameter/x  | region us-east-1 is not in partition aws-cn
            ssm://arn:aws:ssm:cn-north-1:123456789012:parameter/x    | region cn-north-1 is not in partition aws
            ssm://arn:aws-us-gov:ssm:us-east-1:123456789012:parameter/x | not in partition aws-us-gov
            ssm://arn:aws:ssm:us-east-1:12345678901:parameter/x      | account id must be 12 digits, got 12345678901
            ssm://arn:aws:ssm:us-east-1:123456789012:document/x      | resource must be parameter/<name>, got document/x
            ssm://arn:aws:ssm:us-east-1:123456789012:parameter       | resource must be parameter/<name>
            ssm://arn:aws:ssm:us-east-1:123456789012:parameter/      | must not end with '/'
            ssm://arn:aws:ssm:us-east-1:123456789012:parameter/prod/*  | a path reference cannot be an ARN; write ssm:///prod/*
            ssm://arn:aws:ssm:us-east-1:123456789012:parameter/aws/reference/secretsmanager/x | not as an ARN
            ssm://arn:aws:ssm:us-east-1:123456789012:parameter/a b   | character ' '
            sm://                                       | no secret name or ARN after sm://
            sm://?optional#k                            | no secret name or ARN after sm://
            sm://prod/*#password                        | a prefix of secrets (sm://PREFIX/*) takes no JSON key
            sm://prod/*:AWSPREVIOUS                     | a prefix of secrets (sm://PREFIX/*) takes no selector
            sm:///*                                     | every secret of the account (sm:///*) cannot be loaded
            sm://prod//*                                | the prefix ends with '/' twice; write sm://prod/*
            sm://prod/*/x/*                             | '*' may only end a prefix of secrets
            sm://arn:aws:secretsmanager:eu-west-1:210987654321:secret:prod/* | so it cannot be an ARN
            sm://prod/*?tag=                            | a tag filter needs a tag key
            sm://prod/*?tag==x                          | a tag filter needs a tag key
            sm://prod/*?tag=team=a&tag=team=b           | tag team is filtered twice
            sm://prod/*?tag=a&tag=b&tag=c&tag=d&tag=e   | at most 4 tag filters
            sm://prod/*?tag=!team                       | cannot start with '!'
            sm://prod/*?tag=te#am                       | takes no JSON key
            sm://prod/*?tag=team=a,b                    | tag value a,b contains ','
            sm://prod/*?tag=team&optional               | write ?optional first, before any tag filter
            sm://prod/*?tags=team                       | allowed options: optional, tag=KEY or tag=KEY=VALUE (after sm://PREFIX/*)
            sm://prod/db?tag=team                       | a tag filter (?tag=...) only narrows a prefix of secrets
            ssm:///prod/*?tag=team                      | Parameter Store references take ?optional only
            sm://prod/app*                              | '*' cannot appear in a secret name
            sm://prod db                                | of the secret name is not allowed
            sm://prod/db:                               | nothing follows ':'
            sm://prod/db:AWSCURRENT:x                   | only one selector is allowed
            sm://prod/db:3                              | Secrets Manager has no numbered versions
            sm://prod/db:a b                            | Secrets Manager stage "a b" contains ' '
            sm://prod/db#                               | nothing follows '#'
            sm://prod/db?required                       | unknown option required
            sm:///aws/reference/secretsmanager/x        | write the secret's name after sm://
            sm://arn:aws:secretsmanager:eu-west-1:210987654321:secret | a secret ARN has the form
            sm://arn:aws:secretsmanager:eu-west-1:210987654321:secret:x-AbC123:AWSCURRENT:1 | only one selector
            sm://arn:aws:ssm:eu-west-1:210987654321:parameter/x:1:2 | service must be 'secretsmanager', got ssm; read a parameter as ssm://arn:aws:ssm:eu-west-1:210987654321:parameter/x
            sm://arn:aws:secretsmanager:euwest1:210987654321:secret:x | region must look like us-east-1
            sm://arn:aws:secretsmanager:eu-west-1:2109876543:secret:x | account id must be 12 digits
            sm://arn:aws:secretsmanager:eu-west-1:210987654321:key:x  | resource must be secret:<name>, got key
            sm://arn:aws-cn:secretsmanager:eu-west-1:210987654321:secret:x | not in partition aws-cn
            """)
    void parse_rejects_malformedReference(String value, String reason) {
        assertThatThrownBy(() -> ReferenceParser.parse("DB_PASSWORD", value))
                .isInstanceOf(ReferenceException.class)
                .hasMessageStartingWith("DB_PASSWORD=")
                .hasMessageContaining(reason);
    }

    @Test
    void parse_rejectsTooLongName_withoutEchoingAllOfIt() {
        String value = "ssm:///" + "n".repeat(2048);

        assertThatThrownBy(() -> ReferenceParser.parse("K", value))
                .hasMessageContaining("2049 characters long; at most 2048")
                .hasMessageContaining("(2055 characters)")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400));
    }

    @Test
    void parse_rejectsTooManyLevels() {
        assertThatThrownBy(() -> ReferenceParser.parse("K", "ssm:///" + "a/".repeat(15) + "b"))
                .hasMessageContaining("16 levels; SSM allows at most 15");
    }

    @Test
    void parse_rejectsTooLongLabel() {
        assertThatThrownBy(() -> ReferenceParser.parse("K", "ssm:///x:" + "b".repeat(101)))
                .hasMessageContaining("a label is at most 100 characters, got 101");
    }

    @Test
    void parse_allowsDigitLeadingStage_forSecretsManager() throws ReferenceException {
        String value = "ssm:///aws/reference/secretsmanager/db:1a2b3c4d-uuid";

        assertThat(ReferenceParser.parse("K", value).selector()).isEqualTo("1a2b3c4d-uuid");
    }

    @Test
    void parse_neverShowsAValue_thatIsNotAReference() {
        assertThatThrownBy(() -> ReferenceParser.parse("DB", "hunter2-not-a-reference"))
                .isInstanceOf(ReferenceException.class)
                .hasMessage("DB: the value does not start with ssm:// or sm:// (it is not shown, as it may be a secret)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            .hidden   | it starts with '.', which is reserved for the output directory's own entries
            a/b       | it contains '/', a path separator
            -x        | it starts with '-'
            my key    | it contains ' '
            """)
    void parse_rejectsVariableName_thatCannotBeAKey(String key, String reason) {
        assertThatThrownBy(() -> ReferenceParser.parse(key, "ssm:///prod/x"))
                .isInstanceOf(ReferenceException.class)
                .hasMessageContaining("the variable's name cannot be a key: " + reason);
    }

    @Test
    void parse_escapesControlCharacters_inMessages() {
        assertThatThrownBy(() -> ReferenceParser.parse("K", "ssm:///prod/a\u0000b\nc"))
                .hasMessage("K=\"ssm:///prod/a\\u0000b\\nc\": character '\\u0000' at position 8 of the parameter"
                        + " name is not allowed; names use letters, digits and _ . - /");
    }

    @Test
    void requestName_addsSelector() throws ReferenceException {
        assertThat(ReferenceParser.parse("K", "ssm:///p:3").requestName()).isEqualTo("/p:3");
        assertThat(ReferenceParser.parse("K", "ssm:///p#k").requestName()).isEqualTo("/p");
    }

    @Test
    void isSecretsManager_onlyForTheReferencePrefix() throws ReferenceException {
        assertThat(ReferenceParser.parse("K", "ssm:///aws/reference/secretsmanager/x").isSecretsManager()).isTrue();
        assertThat(ReferenceParser.parse("K", "ssm:///aws/reference/x").isSecretsManager()).isFalse();
    }
}
