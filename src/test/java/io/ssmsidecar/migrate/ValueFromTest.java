package io.ssmsidecar.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each ECS {@code valueFrom} form to its reference and the execution role's resource, pure. */
class ValueFromTest {
    private static final Optional<String> REGION = Optional.of("us-east-1");
    private static final Optional<String> ACCOUNT = Optional.of("123456789012");
    private static final String SM = "arn:aws:secretsmanager:us-east-1:123456789012:secret:";

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            /prod/db                            | ssm:///prod/db                         | arn:aws:ssm:us-east-1:123456789012:parameter/prod/db
            my.secret                           | ssm://my.secret                        | arn:aws:ssm:us-east-1:123456789012:parameter/my.secret
            /prod/db:12                         | ssm:///prod/db:12                      | arn:aws:ssm:us-east-1:123456789012:parameter/prod/db
            /prod/db:blue                       | ssm:///prod/db:blue                    | arn:aws:ssm:us-east-1:123456789012:parameter/prod/db
            /aws/reference/secretsmanager/x     | ssm:///aws/reference/secretsmanager/x  | arn:aws:ssm:us-east-1:123456789012:parameter/aws/reference/secretsmanager/x
            arn:aws:ssm:us-east-1:999999999999:parameter/shared/db | ssm://arn:aws:ssm:us-east-1:999999999999:parameter/shared/db | arn:aws:ssm:us-east-1:999999999999:parameter/shared/db
            """)
    void parameterStoreForms(String valueFrom, String reference, String resource) throws Exception {
        ValueFrom.Converted c = ValueFrom.convert("V", valueFrom, REGION, ACCOUNT);

        assertThat(c.reference().raw()).isEqualTo(reference);
        assertThat(c.secretsManager()).isFalse();
        assertThat(c.executionResource()).isEqualTo(resource);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            prod/db-AbCdEf          | ssm:///aws/reference/secretsmanager/prod/db              | prod/db-AbCdEf
            prod/db-AbCdEf:::       | ssm:///aws/reference/secretsmanager/prod/db              | prod/db-AbCdEf
            prod/db                 | ssm:///aws/reference/secretsmanager/prod/db              | prod/db
            prod/db-abcde           | ssm:///aws/reference/secretsmanager/prod/db-abcde        | prod/db-abcde
            prod/db-AbCdEf:pw       | ssm:///aws/reference/secretsmanager/prod/db#pw           | prod/db-AbCdEf
            prod/db-AbCdEf::PENDING | ssm:///aws/reference/secretsmanager/prod/db:PENDING      | prod/db-AbCdEf
            prod/db-AbCdEf:a.b:AWSPREVIOUS: | ssm:///aws/reference/secretsmanager/prod/db:AWSPREVIOUS#a.b | prod/db-AbCdEf
            """)
    void secretsManagerForms(String rest, String reference, String secret) throws Exception {
        ValueFrom.Converted c = ValueFrom.convert("V", SM + rest, REGION, ACCOUNT);

        assertThat(c.reference().raw()).isEqualTo(reference);
        assertThat(c.secretsManager()).isTrue();
        assertThat(c.executionResource()).isEqualTo(SM + secret);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            /prod/db                                               | us-gov-west-1 | arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/prod/db
            /prod/db                                               | cn-north-1    | arn:aws-cn:ssm:cn-north-1:123456789012:parameter/prod/db
            """)
    void theExecutionRolesResource_isInTheRegionsPartition(String valueFrom, String region, String resource)
            throws Exception {
        assertThat(ValueFrom.convert("V", valueFrom, Optional.of(region), ACCOUNT).executionResource()).isEqualTo(resource);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            /prod/db                    | /prod/db
            """)
    void withoutRegionOrAccount_aNameStillConverts_andTheResourceIsTheName(String valueFrom, String resource)
            throws Exception {
        ValueFrom.Converted c = ValueFrom.convert("V", valueFrom, Optional.empty(), Optional.empty());
        assertThat(c.reference().raw()).isEqualTo("ssm:///prod/db");
        assertThat(c.executionResource()).isEqualTo(resource);
        assertThatThrownBy(() -> ValueFrom.convert("V", "arn:aws:ssm:us-east-1:123456789012:parameter/x",
                Optional.empty(), Optional.empty())).hasMessageContaining("give --region");
    }
}
