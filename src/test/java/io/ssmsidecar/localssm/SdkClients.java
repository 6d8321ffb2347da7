package io.ssmsidecar.localssm;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ssm.SsmClient;

/** The real SDK client, pointed at a {@link LocalSsm}, without retries so every call is one request. */
public final class SdkClients {
    public static final String ACCESS_KEY_ID = "AKIDLOCALTEST";

    private SdkClients() {
    }

    public static SsmClient forLocal(LocalSsm ssm) {
        return SsmClient.builder()
                .endpointOverride(ssm.endpoint())
                .region(Region.of(ssm.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(ACCESS_KEY_ID, "not-checked")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }
}
