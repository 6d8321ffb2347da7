package io.ssmsidecar.testing;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.SsmClientBuilder;

/**
 * An SSM client built as an app builds one (SDK defaults: standard retries, SigV4 for {@code ssm}), with only the
 * endpoint pointed at the sidecar, as {@code AWS_ENDPOINT_URL_SSM} does.
 */
public final class AppSsmClient {
    /** The static test credentials the sidecar and the app share (as task-role credentials are shared in ECS). */
    public static final String ACCESS_KEY_ID = "AKIDSHAREDTASKROLE";
    public static final String SECRET_ACCESS_KEY = "shared-task-role-secret-0123456789";
    public static final String SESSION_TOKEN = "shared-task-role-session-token";
    public static final String REGION = "us-east-1";

    private AppSsmClient() {
    }

    /** The shared credentials (with session token). */
    public static AwsCredentials shared() {
        return AwsSessionCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN);
    }

    /** Other credentials: what a process that does not hold the task's role would sign with. */
    public static AwsCredentials other() {
        return AwsBasicCredentials.create("AKIDSOMEONEELSE", "someone-elses-secret");
    }

    public static SsmClient create(URI sidecar, AwsCredentials credentials, String region,
                                   ExecutionInterceptor... interceptors) {
        SsmClientBuilder b = SsmClient.builder()
                .endpointOverride(sidecar)
                .region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .httpClient(UrlConnectionHttpClient.create());
        if (interceptors.length > 0) {
            b.overrideConfiguration(o -> {
                for (ExecutionInterceptor i : interceptors) {
                    o.addExecutionInterceptor(i);
                }
            });
        }
        return b.build();
    }
}
